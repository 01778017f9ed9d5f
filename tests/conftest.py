"""Fixtures shared by the tests: the personas and a CT case. Builders live in tests/factories.py
and page readers in tests/pages.py; nothing is imported from here.

The personas follow the roles a department assigns (cases/roles.py): Alice and Bob contribute
cases, Erin edits and publishes, Adam is an attending and Rita a resident; the `client` fixture is
the anonymous visitor.
"""

import pytest
from django.core.cache import cache

from cases import roles
from tests.dicom_factory import ct_series
from tests.factories import add_dicom, make_case, make_user


@pytest.fixture(autouse=True)
def fresh_cache():
    """The homepage statistics live in the cache, which outlives each test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    """A contributor: staff, writes her own cases."""
    return make_user("alice", roles.CONTRIBUTORS, is_staff=True)


@pytest.fixture
def bob(db):
    """Another contributor, whose cases Alice must not touch."""
    return make_user("bob", roles.CONTRIBUTORS, is_staff=True)


@pytest.fixture
def editor(db):
    """An editor: changes any case and publishes."""
    return make_user("erin", roles.EDITORS, is_staff=True)


@pytest.fixture
def attending(db):
    return make_user("adam", roles.ATTENDINGS)


@pytest.fixture
def resident(db):
    return make_user("rita", roles.RESIDENTS)


@pytest.fixture
def ct_case(alice):
    """A published case: a study with two pictures, then a 5-slice CT series (uploaded in reverse
    order) described "Axial soft tissue"."""
    case = make_case(alice, images=2, modality="CT", captions=["Pictured first", "Pictured second"])
    series = add_dicom(case.studies.get(), ct_series(5))
    series.description = "Axial soft tissue"
    series.save()
    return case
