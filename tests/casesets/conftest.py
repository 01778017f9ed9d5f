"""Fixtures of the case sets' tests: where standard reading is for the Attendings alone, as in a
department, Adam (an attending) owns a set of three published cases, with notes on the first;
Dora is another attending, Rita and Rory residents."""

import pytest
from django.test import override_settings

from cases import roles
from tests.factories import make_case, make_set, make_user

NOTE = "ZQXNOTE-ask-the-second-year-about-the-fat-pad"


@pytest.fixture(autouse=True)
def standard_for_attendings_only(db):
    with override_settings(STANDARD_WORKFLOW_GROUPS=[roles.ATTENDINGS]):
        yield


@pytest.fixture
def dora(db):
    """Another attending, who may make sets of her own but not change Adam's."""
    return make_user("dora", roles.ATTENDINGS)


@pytest.fixture
def rory(db):
    """Another resident, whose score Rita must never see."""
    return make_user("rory", roles.RESIDENTS)


@pytest.fixture
def three_cases(alice):
    return [
        make_case(alice, title=f"Set case title {n}", diagnosis=f"Set diagnosis {n}",
                  unknown_title=f"Unknown {n}", history=f"History number {n}.")
        for n in range(1, 4)
    ]  # fmt: skip


@pytest.fixture
def make_adams_set(attending, three_cases):
    def make(visibility="shared", cases=None):
        return make_set(attending, cases or three_cases, visibility=visibility, notes=[NOTE])

    return make


@pytest.fixture
def shared_set(make_adams_set):
    return make_adams_set("shared")
