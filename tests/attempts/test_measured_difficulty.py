"""The standard case page says how many readers attempted the case and what share got it right;
the academic page, before a commit, does not."""

from django.test import Client

from attempts.difficulty import SLOT
from tests.attempts.test_answering import commit
from tests.attempts.test_progress import attempted
from tests.factories import client_for, make_case
from tests.pages import text_of


def standard_page(case, client=None):
    return (client or Client()).get(case.get_absolute_url("standard"))


def test_the_standard_page_counts_readers_by_their_first_attempt(
    alice, resident, other_resident
):
    case = make_case(alice, images=0)
    attempted(resident, case, "missed")
    attempted(resident, case, "correct")  # a review: the first attempt counts
    attempted(other_resident, case, "partly")
    text = text_of(standard_page(case))
    assert "2 readers attempted, 25% right" in text
    assert SLOT not in standard_page(case).content.decode()


def test_a_case_nobody_attempted_says_so(alice):
    assert "Not attempted yet" in text_of(standard_page(make_case(alice, images=0)))


def test_a_commit_changes_the_figure_on_a_cached_page(alice, resident):
    case = make_case(alice, images=1)
    assert "Not attempted yet" in text_of(standard_page(case))  # the body is now cached
    commit(client_for(resident), case, diagnosis=case.diagnosis)
    assert "1 reader attempted, 100% right" in text_of(standard_page(case))


def test_a_confirmed_grade_changes_the_figure(alice, resident):
    case = make_case(alice, images=0)
    attempt = attempted(resident, case, "missed")
    assert "0% right" in text_of(standard_page(case))
    attempt.confirmed_grade = "correct"
    attempt.save()
    assert "100% right" in text_of(standard_page(case))


def test_the_academic_page_has_no_measured_difficulty(alice, resident, other_resident):
    case = make_case(alice, images=1)
    attempted(other_resident, case, "correct")
    for client in (Client(), client_for(resident)):
        body = client.get(case.get_absolute_url("academic")).content.decode()
        assert "attempted" not in body and "Measured" not in body and SLOT not in body
