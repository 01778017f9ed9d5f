"""The browse form's selects, written out in Python (cases.widgets.QuickSelect): the same HTML
as Django's own Select renders through its templates, whatever the values, counts and errors."""

import pytest
from django import forms

from cases.forms import BrowseForm, MemoryForm
from cases.models import Anatomy
from tests.factories import make_case


def rendered_by_django(bound):
    widget = bound.field.widget
    quick = widget.__class__
    widget.__class__ = forms.Select  # the same widget, rendered by Django's templates
    try:
        return str(bound)
    finally:
        widget.__class__ = quick


@pytest.mark.parametrize("workflow", ["standard", "academic"])
@pytest.mark.parametrize("params", [
    {},
    {"q": "pain", "anatomy": "chest", "sort": "newest", "age": "adult", "author": "alice"},
    {"modality": "CT", "category": "trauma", "difficulty": "resident"},
    {"anatomy": "no-such-anatomy", "sort": "sideways"},
])
def test_each_select_renders_as_djangos_templates_render_it(alice, workflow, params):
    make_case(alice)
    Anatomy.objects.create(name='Head & "Neck" <x>', slug="odd", position=99)
    form = BrowseForm(params, workflow)
    form.is_valid()
    form.show_counts({"anatomy": {Anatomy.objects.get(slug="chest").pk: 5},
                      "age": {"adult": "~3,000"}}, missing="~0")
    selects = [bound for bound in form if isinstance(bound.field.widget, forms.Select)]
    assert len(selects) == (7 if workflow == "standard" else 6)
    for bound in selects:
        assert str(bound) == rendered_by_django(bound), bound.name


def test_the_readers_own_filter_renders_as_djangos_templates_render_it(alice):
    form = MemoryForm({"memory": "due"}, alice)
    assert str(form["memory"]) == rendered_by_django(form["memory"])
    assert 'form="browse-filters"' in str(form["memory"])
