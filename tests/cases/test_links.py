"""cases.links.reverse_with_id() gives reverse()'s URL, under a script prefix too."""

import pytest
from django.urls import reverse, set_script_prefix

from cases.links import ID, reverse_with_id


@pytest.mark.parametrize("pk", [1, 9, 10, 42, 987654, 2**31 - 1])
def test_it_gives_the_url_reverse_gives_for_each_id(pk):
    for workflow in ("standard", "academic"):
        expected = reverse("cases:detail", args=[workflow, pk])
        assert reverse_with_id("cases:detail", (workflow, ID), pk) == expected
    expected = reverse("viewer:image_file", args=[pk, "thumbnail"])
    assert reverse_with_id("viewer:image_file", (ID, "thumbnail"), pk) == expected


def test_it_keeps_the_script_prefix_a_site_is_served_under():
    before = reverse_with_id("cases:detail", ("standard", ID), 7)
    set_script_prefix("/teaching/")
    try:
        under = reverse_with_id("cases:detail", ("standard", ID), 7)
        expected = reverse("cases:detail", args=["standard", 7])
    finally:
        set_script_prefix("/")

    assert under == expected == "/teaching/standard/cases/7/"
    assert reverse_with_id("cases:detail", ("standard", ID), 7) == before == "/standard/cases/7/"


def test_a_prefix_with_digits_is_left_alone():
    set_script_prefix("/7/")
    try:
        assert reverse_with_id("cases:detail", ("academic", ID), 7) == "/7/academic/cases/7/"
    finally:
        set_script_prefix("/")


def test_it_refuses_an_id_that_is_not_a_number():
    with pytest.raises(ValueError):
        reverse_with_id("cases:detail", ("standard", ID), "seven")
