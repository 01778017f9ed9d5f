"""Fixtures of the attempts' tests."""

import pytest

from cases import roles
from cases.models import AcceptedAnswer
from tests.factories import make_user, marker_case


@pytest.fixture
def secret_case(alice):
    """A published case with a marker in every field the academic workflow hides, which accepts
    "Slipped capital femoral epiphysis" as its answer."""
    case = marker_case(alice)
    AcceptedAnswer.objects.create(case=case, answer="Slipped capital femoral epiphysis", position=1)
    return case


@pytest.fixture
def other_resident(db):
    return make_user("rory", roles.RESIDENTS)
