"""The browse filters' selects (cases/widgets.py) are written out in Python with the markup
Django's own Select renders from its templates."""

from django import forms

from cases.forms import BrowseForm
from cases.models import Anatomy
from cases.widgets import QuickSelect

CHOICES = [("", "Any"), ("a&b", "Tom & <Jerry>"), ("two", "Two")]


def django_and_quick(value, attrs=None):
    made = []
    for widget in (forms.Select(attrs=attrs, choices=CHOICES),
                   QuickSelect(attrs=attrs, choices=CHOICES)):
        made.append(" ".join(widget.render("level", value, {"id": "id_level"}).split()))
    return made


def test_it_renders_what_django_renders():
    django, quick = django_and_quick("two")
    assert quick == django
    assert '<option value="two" selected>Two</option>' in quick


def test_it_escapes_values_and_labels_as_django_does():
    django, quick = django_and_quick("a&b", attrs={"form": "browse-filters"})
    assert quick == django
    assert '<option value="a&amp;b" selected>Tom &amp; &lt;Jerry&gt;</option>' in quick


def test_nothing_chosen_selects_the_empty_option():
    django, quick = django_and_quick(None)
    assert quick == django
    assert '<option value="" selected>Any</option>' in quick


def test_the_browse_form_offers_every_anatomy_with_its_count(db):
    form = BrowseForm({"anatomy": "chest"}, "standard")
    assert form.is_valid()
    form.show_counts({"anatomy": {Anatomy.objects.get(slug="chest").pk: 7}})
    html = str(form["anatomy"])
    assert '<option value="chest" selected>Chest (7)</option>' in html
    assert html.count("<option") == Anatomy.objects.count() + 1
