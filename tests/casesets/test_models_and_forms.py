"""The set itself: order, duplicates, moves, withdrawn cases, links, who reads it; its forms."""

from django.contrib.auth.models import AnonymousUser, Group

from cases import roles
from cases.models import Case
from casesets.access import may_make_sets
from casesets.forms import AddCasesForm, CaseSetForm, MoveForm
from casesets.models import CaseSet
from tests.factories import make_case, make_set


def case_ids(case_set):
    return list(case_set.items.shown().values_list("case_id", flat=True))


def test_adding_keeps_the_order_given_and_skips_cases_already_in_the_set(attending, three_cases):
    first, second, third = three_cases
    case_set = make_set(attending, [second])
    assert case_set.add([first, second, third, first]) == 2
    assert case_ids(case_set) == [second.pk, first.pk, third.pk]


def test_moving_a_case_swaps_it_with_its_neighbour_and_stops_at_the_ends(attending, three_cases):
    case_set = make_set(attending, three_cases)
    items = list(case_set.items.shown())
    case_set.move(items[2], -1)
    assert case_ids(case_set) == [three_cases[0].pk, three_cases[2].pk, three_cases[1].pk]
    case_set.move(items[0], -1)
    assert case_ids(case_set)[0] == three_cases[0].pk


def test_a_withdrawn_case_leaves_the_set_and_returns_in_its_place(attending, three_cases):
    case_set = make_set(attending, three_cases)
    Case.objects.filter(pk=three_cases[1].pk).update(status=Case.Status.DRAFT)
    assert case_ids(case_set) == [three_cases[0].pk, three_cases[2].pk]
    Case.objects.filter(pk=three_cases[1].pk).update(status=Case.Status.PUBLISHED)
    assert case_ids(case_set) == [case.pk for case in three_cases]


def test_a_new_link_replaces_the_token_with_another_unguessable_one(attending):
    case_set = make_set(attending)
    old = case_set.token
    case_set.new_link()
    assert case_set.token != old and len(case_set.token) >= 24


def test_a_private_set_is_read_by_its_owner_alone_and_a_shared_one_by_anyone(attending, resident):
    private, shared = make_set(attending), make_set(attending, visibility="shared")
    assert private.may_be_read_by(attending)
    assert not private.may_be_read_by(resident)
    assert not private.may_be_read_by(AnonymousUser())
    assert shared.may_be_read_by(resident) and shared.may_be_read_by(AnonymousUser())


def test_only_listed_sets_are_listed(attending):
    make_set(attending, visibility="shared")
    listed = make_set(attending, visibility="listed")
    assert list(CaseSet.objects.listed()) == [listed]


def test_a_set_needs_a_name_that_is_not_blank(db):
    form = CaseSetForm({"name": "   ", "visibility": "private"})
    assert not form.is_valid()
    assert form.has_error("name", "required")


def test_a_set_refuses_a_visibility_it_does_not_know(db):
    form = CaseSetForm({"name": "Chest", "visibility": "public"})
    assert form.has_error("visibility", "invalid_choice")


def test_adding_cases_asks_for_a_set_or_a_new_name(attending, three_cases):
    candidates = Case.objects.filter(pk__in=[case.pk for case in three_cases])
    form = AddCasesForm({"cases": [three_cases[0].pk]}, owner=attending, candidates=candidates)
    assert form.has_error("__all__", "no_set_chosen")


def test_adding_cases_asks_for_at_least_one_case(attending, three_cases):
    candidates = Case.objects.filter(pk__in=[case.pk for case in three_cases])
    form = AddCasesForm({"new_name": "Chest"}, owner=attending, candidates=candidates)
    assert form.has_error("cases", "required")


def test_adding_cases_refuses_a_case_that_was_not_offered(attending, alice, three_cases):
    other = make_case(alice)
    candidates = Case.objects.filter(pk__in=[case.pk for case in three_cases])
    form = AddCasesForm(
        {"cases": [other.pk], "new_name": "Chest"}, owner=attending, candidates=candidates
    )
    assert form.has_error("cases", "invalid_choice")


def test_adding_cases_refuses_someone_elses_set(attending, dora, three_cases):
    theirs = make_set(dora)
    candidates = Case.objects.filter(pk__in=[case.pk for case in three_cases])
    form = AddCasesForm(
        {"cases": [three_cases[0].pk], "case_set": theirs.pk}, owner=attending,
        candidates=candidates,
    )  # fmt: skip
    assert form.has_error("case_set", "invalid_choice")


def test_adding_cases_to_a_new_set_makes_it_for_its_owner(attending, three_cases):
    candidates = Case.objects.filter(pk__in=[case.pk for case in three_cases]).order_by("-pk")
    data = {"cases": [case.pk for case in three_cases], "new_name": "  Chest  "}
    form = AddCasesForm(data, owner=attending, candidates=candidates)
    assert form.is_valid(), form.errors
    case_set, added = form.save()
    assert (case_set.owner, case_set.name, added) == (attending, "Chest", 3)
    assert case_ids(case_set) == [case.pk for case in reversed(three_cases)]


def test_a_move_is_up_or_down_only(db):
    assert MoveForm({"direction": "up"}).is_valid()
    assert not MoveForm({"direction": "sideways"}).is_valid()


def test_the_attendings_group_may_make_sets_and_residents_may_not(attending, resident, editor):
    assert Group.objects.get(name=roles.ATTENDINGS).permissions.filter(
        codename="add_caseset"
    ).exists()
    assert may_make_sets(attending)
    assert not may_make_sets(resident) and not may_make_sets(editor)


def test_sets_list_newest_date_first_and_undated_ones_last(attending):
    undated = make_set(attending, name="Undated")
    older, newer = make_set(attending, name="Older"), make_set(attending, name="Newer")
    CaseSet.objects.filter(pk=older.pk).update(date="2026-01-07")
    CaseSet.objects.filter(pk=newer.pk).update(date="2026-03-04")
    assert list(CaseSet.objects.all()) == [newer, older, undated]
