"""Every sample file of pydicom and pydicom-data through the ingest pipeline (read, check,
de-identify, render, store): each image comes in, frame by frame; each refusal is an IngestError
that names the file, for the reason tests/dicom/test_dicom_samples.py lists. No other exception."""

from fnmatch import fnmatch

import pytest
from django.core.files.storage import default_storage

from cases.models import Case
from dicom.archive import walk_folder
from dicom.reading import frame_count, read_dataset
from tests.dicom_samples import REFUSED_WITH_PIXELS, REFUSED_WITHOUT_PIXELS, SAMPLES
from viewer.ingest import IngestError, IngestLimits, deid_context, stage

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
REFUSED = {**REFUSED_WITH_PIXELS, **REFUSED_WITHOUT_PIXELS}


def refusal(key):
    return next((code for pattern, (code, _) in REFUSED.items() if fnmatch(key, pattern)), None)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_each_sample_comes_in_or_is_refused_by_name(key, db):
    limits = IngestLimits.from_settings()
    members = list(walk_folder(SAMPLES[key], limits.archive))
    expected = refusal(key)
    if expected:
        with pytest.raises(IngestError) as caught:
            stage(members, deid_context(Case()), limits)
        assert SAMPLES[key].name in str(caught.value)
        assert caught.value.code == expected
        return
    staging = stage(members, deid_context(Case()), limits)
    frames = frame_count(read_dataset(SAMPLES[key].read_bytes(), limits.read))
    assert staging.image_count == frames
    for name in staging.written:
        default_storage.delete(name)
