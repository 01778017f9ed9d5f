from functools import cached_property
from typing import NamedTuple
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone
from taggit.models import Tag

from cases import search
from cases.ages import AGE_GROUP_CHOICES
from cases.memory import CHOICES as MEMORY_CHOICES
from cases.memory import select as select_remembered
from cases.models import Anatomy, Case, DiagnosticCategory, Modality
from cases.widgets import QuickSelect
from cases.workflows import STANDARD

# Each sort is a total order (the id breaks ties) so keyset previous/next is well defined.
SORTS = {
    "newest": ("-published_at", "-id"),
    "updated": ("-updated", "-id"),
    "oldest": ("published_at", "id"),
}
# Empty: by relevance when searching on PostgreSQL (cases/search.py), else newest first.
SORT_CHOICES = [
    ("", "Best match, else newest"),
    ("newest", "Newest"),
    ("updated", "Recently updated"),
    ("oldest", "Oldest"),
]
STANDARD_ONLY = ("category", "tag")  # filters on fields the academic workflow hides


# What each workflow's search looks at (cases/search.py), as an example.
PLACEHOLDERS = {
    STANDARD: "Words, e.g. osteosarcoma",
    "academic": "History, anatomy, modality, e.g. limp",
}


class Term(NamedTuple):
    """An option of a filter among rows: what its <option> needs of the row, and no more."""

    pk: int
    value: str
    text: str

    def __str__(self):
        return self.text


class _ListedChoices(forms.models.ModelChoiceIterator):
    """The options from the field's terms (ListedChoiceField.terms): Django's own reads the
    rows with iterator(), which on PostgreSQL is a server-side cursor (declare, fetch, close:
    three round trips for a dozen rows), and a browse page renders four such lists."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for term in self.field.terms():
            yield (term.value, self.field.label_from_instance(term))


class ListedChoiceField(forms.ModelChoiceField):
    """A filter's choice among rows, rendered by QuickSelect from their terms: those the form
    was given (BrowseForm, read once per content version for every page), else one query."""

    iterator = _ListedChoices
    widget = QuickSelect
    listed = None

    def terms(self):
        if self.listed is not None:
            return self.listed
        # all(): a fresh queryset, so that the class's own fields keep no rows read.
        return [Term(row.pk, str(getattr(row, self.to_field_name)), str(row))
                for row in self.queryset.all()]


class BrowseForm(forms.Form):
    """The search, filters and sort of a browse page, read from the query string."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    anatomy = ListedChoiceField(
        Anatomy.objects.all(), to_field_name="slug", required=False, empty_label="Any anatomy"
    )
    modality = ListedChoiceField(
        Modality.objects.all(), to_field_name="code", required=False, empty_label="Any modality"
    )
    author = ListedChoiceField(
        # EXISTS per user, not DISTINCT over a join with every published case (100,000 rows).
        get_user_model().objects.filter(
            Exists(Case.objects.published().filter(author=OuterRef("pk")))
        ).order_by("display_name", "username"),
        to_field_name="username",
        required=False,
        empty_label="Any author",
    )
    age = forms.ChoiceField(
        choices=[("", "Any age"), *AGE_GROUP_CHOICES], required=False, widget=QuickSelect
    )
    difficulty = forms.ChoiceField(
        label="Level", choices=[("", "Any level"), *Case.Difficulty.choices], required=False,
        widget=QuickSelect,
    )
    category = ListedChoiceField(
        DiagnosticCategory.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any category",
    )
    tag = forms.SlugField(required=False, max_length=100)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, widget=QuickSelect)

    def __init__(self, data, workflow, memory=None, terms=None):
        """memory: the reader's MemoryForm (academic), whose filter joins the others. terms:
        {field name: [Term]} of the filters among rows (listed_terms()), to render them from."""
        super().__init__(data)
        self.workflow = workflow
        self.memory = memory
        if workflow != STANDARD:
            for name in STANDARD_ONLY:
                del self.fields[name]
        self.fields["q"].widget.attrs["placeholder"] = PLACEHOLDERS[workflow]
        for name, listed in (terms or {}).items():
            if name in self.fields:
                self.fields[name].listed = listed

    @classmethod
    def listed_terms(cls):
        """{field name: [Term]} of every filter among rows, one query each: the same for every
        page of a content version, which is how the browse view caches them."""
        return {name: field.terms() for name, field in cls.base_fields.items()
                if isinstance(field, ListedChoiceField)}

    @staticmethod
    def field_names(workflow):
        """The names of the fields a browse form of this workflow has, in order."""
        names = list(BrowseForm.base_fields)
        return names if workflow == STANDARD else [n for n in names if n not in STANDARD_ONLY]

    @staticmethod
    def is_blank(params, workflow):
        """Whether a query string sets none of this workflow's search, filters and sort (the
        reader's own filter, MemoryForm, is not one of them)."""
        if not params:
            return True
        names = BrowseForm.field_names(workflow)
        return not any(params.get(name) for name in params if name in names)

    def active(self):
        """The valid, non-empty filters (and sort), as strings for URLs."""
        self.is_valid()
        values = {}
        for name in self.fields:
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, ""):
                values[name] = self.data.get(name)
        if self.memory and self.memory.choice():
            values["memory"] = self.memory.choice()
        return values

    def querystring(self):
        return urlencode(self.active())

    def filter_count(self):
        """How many filters narrow the results (a search counts; the sort does not): the
        phone's "Filters (n)" button."""
        return len([name for name in self.active() if name not in ("sort", "memory")])

    def sort_key(self):
        return self.active().get("sort", "newest")

    def search_text(self):
        return self.active().get("q", "")

    def ordering(self):
        """The two or more fields results are ordered by: the sort asked for; with none, the
        relevance of a search where the database ranks and the cases found are few enough to
        rank (search.worth_ranking), else newest first."""
        if "sort" not in self.active() and self.search_text().split() and search.ranks():
            return search.RELEVANCE if self.ranked else SORTS["newest"]
        return SORTS[self.sort_key()]

    @cached_property
    def ranked(self):
        return search.worth_ranking(self._selected(Case.objects.published()))

    @cached_property
    def tag_id(self):
        """The chosen tag's id, looked up once for every queryset the page builds: the filter
        tests it as a constant (CaseQuerySet.with_tag), which a subquery is not."""
        tags = Tag.objects.filter(slug=self.cleaned_data["tag"])
        return tags.values_list("pk", flat=True).first()

    @cached_property
    def near_lexemes(self):
        """The lexemes misspelt words may stand for (cases/search.py): one look-up per form,
        however many querysets the page builds from it."""
        return search.near_lexemes(self.search_text(), self.workflow)

    def filter(self, queryset, without=None):
        """The cases of queryset the search and filters select, in the order asked for; with
        `without`, that one filter left out (a facet counts what choosing another value gives)."""
        return self._selected(queryset, without).order_by(*self.ordering())

    def _selected(self, queryset, without=None):
        filters = self.active()
        filters.pop(without, None)
        data = self.cleaned_data
        # With a word, a modality or a tag is matched through the index of the listed ids, which
        # PostgreSQL intersects with the word's; without one, from the ids the browse indexes
        # carry, in the page's order (CaseQuerySet._listing).
        indexed = bool(filters.get("q"))
        if "anatomy" in filters:
            queryset = queryset.filter(anatomy=data["anatomy"])
        if "modality" in filters:
            queryset = queryset.with_modality(data["modality"], indexed)
        if "author" in filters:
            queryset = queryset.filter(author=data["author"])
        if "age" in filters:
            queryset = queryset.in_age_group(data["age"])
        if "difficulty" in filters:
            queryset = queryset.filter(difficulty=data["difficulty"])
        if "category" in filters:
            queryset = queryset.filter(category=data["category"])
        if "tag" in filters:
            queryset = queryset.with_tag(self.tag_id, indexed)
        if "memory" in filters:
            memory = self.memory
            queryset = select_remembered(queryset, memory.reader, filters["memory"], memory.now)
        # The search last: PostgreSQL tests conditions of equal cost in the order written, and
        # matching a case's vector (~1.2 kB) costs more than testing a short column. A common
        # word with a modality (a scan stopping at 1,001 cases found) matched the word on
        # 18,000 cases first: 49-77 -> 26-29 ms.
        return search.search(queryset, self.search_text(), self.workflow, self.near_lexemes)

    def show_counts(self, counts, missing=0):
        """Put each facet count in its option's label: "Musculoskeletal (214)" (an estimate:
        "Musculoskeletal (~2,100)", cases/estimates.py); a value not counted shows missing."""
        for name, by_value in counts.items():
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                field.label_from_instance = _counted_label(by_value, missing)
            else:
                field.choices = [
                    (value, label if value == "" else f"{label} ({by_value.get(value, missing)})")
                    for value, label in field.choices
                ]


class MemoryForm(forms.Form):
    """A logged-in reader's own filter in academic browse (cases/memory.py). It is rendered
    around the shared cached results, joined to their form by the `form` attribute."""

    memory = forms.ChoiceField(
        label="Your cases",
        choices=MEMORY_CHOICES,
        required=False,
        widget=QuickSelect(attrs={"form": "browse-filters"}),
    )

    def __init__(self, data, reader):
        super().__init__(data)
        self.reader = reader
        # One time for the whole page: the facets' queries then select alike and share passes.
        self.now = timezone.now()

    def choice(self):
        """unseen, missed or due; "" when none is chosen (or a wrong one) or nobody is logged in."""
        return self.chosen(self.data, self.reader)

    @staticmethod
    def chosen(data, reader):
        """choice() for this query string and reader, without building the form: every academic
        browse and random request asks, and building a form (a deep copy of its fields) cost more
        than the rest of a cached page's own work. The form is built only where it is rendered or
        filters."""
        value = MemoryForm.asked(data)
        return value if value and reader.is_authenticated else ""

    @staticmethod
    def asked(data):
        """The filter a query string names, whoever asks ("" for none): known before the reader
        is, which a draw that reads the session in its own statement needs
        (accounts/reading.py)."""
        value = data.get("memory", "")
        return value if value in _MEMORY_VALUES else ""


_MEMORY_VALUES = frozenset(value for value, _ in MEMORY_CHOICES)


def _counted_label(by_value, missing):
    return lambda term: f"{term} ({by_value.get(term.pk, missing)})"
