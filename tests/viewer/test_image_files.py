"""An image's stored files go with its row, unless another image shares them (generate_cases'
synthetic pictures)."""

import pytest

from tests.factories import add_pictures, make_case, make_user


@pytest.mark.django_db
def test_deleting_an_uploaded_image_deletes_its_files(django_capture_on_commit_callbacks):
    case = make_case(make_user("alice"))
    image, other = add_pictures(case.studies.first(), 2)
    storage, names = image.full.storage, image.stored_names()
    assert names and all(storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        image.delete()

    assert not any(storage.exists(name) for name in names)
    assert all(storage.exists(name) for name in other.stored_names())
