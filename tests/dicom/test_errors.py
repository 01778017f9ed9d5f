"""Every refusal of the DICOM library is a dicom.errors.Refusal, built (code, reason, name="") and
read through .code, .reason and .name, whichever step refused."""

import pickle
from io import BytesIO

import pytest

from dicom.archive import ArchiveError, walk_folder
from dicom.errors import Refusal
from dicom.reading import DicomError, read_dataset
from dicom.renditions import RenditionError, open_picture

KINDS = (ArchiveError, DicomError, RenditionError)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_refusal_is_a_refusal_and_a_value_error(kind):
    assert issubclass(kind, Refusal) and issubclass(kind, ValueError)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_takes_code_reason_and_name_in_that_order(kind):
    error = kind("too_large", "the file is too large", "study.zip/IM0001")

    assert (error.code, error.reason, error.name) == (
        "too_large",
        "the file is too large",
        "study.zip/IM0001",
    )
    assert str(error) == "study.zip/IM0001: the file is too large"


@pytest.mark.parametrize("kind", KINDS)
def test_without_a_name_the_message_is_the_reason_alone(kind):
    error = kind("corrupt", "the file is damaged")

    assert error.name == ""
    assert str(error) == "the file is damaged"


@pytest.mark.parametrize("kind", KINDS)
def test_a_refusal_pickles_whole_so_it_crosses_processes(kind):
    error = kind("zip_bomb", "this file would grow 900-fold", "study.zip/IM0002")

    again = pickle.loads(pickle.dumps(error))

    assert type(again) is kind
    assert (again.code, again.reason, again.name) == (error.code, error.reason, error.name)
    assert str(again) == str(error)


@pytest.mark.parametrize("kind", KINDS)
def test_naming_a_refusal_keeps_its_kind_code_and_reason(kind):
    named = kind("empty", "the file is empty").naming("IM0003")

    assert type(named) is kind
    assert (named.code, named.reason, named.name) == ("empty", "the file is empty", "IM0003")
    assert str(named) == "IM0003: the file is empty"


def test_an_archive_refusal_names_the_file_at_fault_in_its_message(tmp_path):
    with pytest.raises(ArchiveError) as caught:
        list(walk_folder(tmp_path / "absent"))

    assert caught.value.code == "not_found"
    assert caught.value.name == str(tmp_path / "absent")
    assert str(caught.value) == f"{tmp_path / 'absent'}: there is no file or folder here"


def test_a_dicom_refusal_reads_as_its_reason_for_the_pipeline_to_name_the_file():
    with pytest.raises(DicomError) as caught:
        read_dataset(b"")

    assert (caught.value.code, caught.value.reason, caught.value.name) == (
        "empty",
        "the file is empty",
        "",
    )
    assert str(caught.value) == "the file is empty"


def test_a_rendition_refusal_reads_as_its_reason():
    with pytest.raises(RenditionError) as caught:
        open_picture(BytesIO(b"not a picture"), max_pixels=100)

    assert (caught.value.code, str(caught.value)) == ("not_an_image", "not a JPEG or PNG image")
