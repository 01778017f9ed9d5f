"""Fixtures of the case pages' tests."""

import pytest

from cases.models import Case
from tests.factories import MARKERS, marker_case


@pytest.fixture
def secret_case(alice):
    """A published case with a marker in every field the academic workflow hides."""
    return marker_case(
        alice,
        discussion=f"First paragraph.\n\n{MARKERS['discussion']}",
        difficulty=Case.Difficulty.RESIDENT,
        age_value=40,
    )
