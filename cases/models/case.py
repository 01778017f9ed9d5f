import random
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import connections, models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from cases.ages import age_group_range, age_in_days
from cases.models.parts import Study
from cases.models.review import UNTRACKED_FIELDS, ReviewState
from cases.models.vocabularies import Anatomy, DiagnosticCategory


def new_random_key():
    return random.random()


def new_deid_salt():
    return secrets.token_hex(16)


def _flip(field):
    return field[1:] if field.startswith("-") else f"-{field}"


def _keyset_lookup(field):
    """The lookup that selects rows after a value in this ordering: descending means smaller."""
    return (field[1:], "lt") if field.startswith("-") else (field, "gt")


# What a card shows of a case and of its relations (an author's name is its __str__).
CARD_FIELDS = [
    "title", "unknown_title", "age_value", "age_unit", "sex", "difficulty", "created", "updated",
    "cover_image", "anatomy__name", "category__name", "author__display_name",
    "author__first_name", "author__last_name", "author__username",
]


class CaseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Case.Status.PUBLISHED)

    def awaiting_review(self):
        """The editors' queue: submitted cases, the longest waiting first."""
        return self.filter(status=Case.Status.SUBMITTED).order_by("submitted_at", "id")

    def editable_by(self, user):
        if user.has_perm("cases.publish_case"):
            return self
        return self.filter(author=user)

    def for_cards(self, *also):
        """What a case card shows (workflows.card()), in a fixed number of queries however many
        cases there are, and no more: the case's short columns, never its long texts (history,
        diagnosis, discussion, the search vectors: ~1.4 kB a case), the names of its anatomy,
        category and author, and its studies' modalities, listed in `card_studies` rather than
        prefetched into `studies` (whose manager costs a queryset filter per case). also: more
        of the case's columns, for a page that shows them beside the card (the case of the
        day's history and diagnosis). For 24 cards, 6.5 -> 5.0 ms (docs/performance.md, Cards).
        """
        studies = Study.objects.only("case", "modality__code", "modality__name")
        return (
            self.only(*CARD_FIELDS, *also)
            .select_related("anatomy", "category", "author")
            .prefetch_related(
                models.Prefetch(
                    "studies", studies.select_related("modality"), to_attr="card_studies"
                )
            )
        )

    def showing(self, images):
        """The cases with all a case page shows, their studies holding these images (in the
        order of the page), in a fixed number of queries however many cases there are."""
        images = images.order_by("series__position", "position", "id")
        studies = Study.objects.select_related("modality").prefetch_related(
            models.Prefetch("images", images)
        )
        return self.select_related("anatomy", "category", "author").prefetch_related(
            models.Prefetch("studies", studies), "differentials", "accepted_answers",
            "references", "tags",
        )

    def for_readers(self):
        """Published cases with all they show, and only the images any page, handout or slide
        may show (`Image.objects.for_readers()`)."""
        return self.published().showing(Study.image_model().objects.for_readers())

    def images(self):
        """The images of these cases (a join through their studies)."""
        return Study.image_model().objects.filter(study__case__in=self)

    def with_modality(self, modality, indexed=False):
        """The published cases with a study of this modality (a Modality or its id), as they
        were last counted (`listed_modalities`): a test of a column the browse indexes carry,
        so a deep page of a rare modality is an index-only scan rather than a probe of the
        studies per case walked past (~20,000 of them: 36 -> 9 ms). indexed: through the
        index of the listed ids instead (_listing)."""
        return self._listing("listed_modalities", getattr(modality, "pk", modality), indexed)

    def with_tag(self, tag_id, indexed=False):
        """The published cases tagged with this tag (its id), as they were last counted
        (`listed_tags`), without a join through taggit's items. None, for a slug no tag has,
        selects none, as id 0 (no tag has it) rather than none(), whose SQL cannot be compiled
        for the facets' passes. indexed: as with_modality()."""
        return self._listing("listed_tags", tag_id or 0, indexed)

    def _listing(self, column, pk, indexed):
        """The cases whose `column` lists pk. indexed, on PostgreSQL, tested as the ids' GIN
        index holds them (ListedIds, migration 0023): a search then reads only the cases in
        both its word's index and this one. Otherwise a LIKE, which the browse indexes answer
        from the ids they carry, walking the cases in order."""
        if indexed and connections[self.db].vendor == "postgresql":
            name = f"{column}_ids"
            return self.alias(**{name: ListedIds(column)}).filter(**{f"{name}__contains": [pk]})
        return self.filter(**{f"{column}__contains": listed_id(pk)})

    def in_age_group(self, key):
        low, high = age_group_range(key)
        qs = self.filter(age_days__gte=low)
        return qs if high is None else qs.filter(age_days__lt=high)

    def random_one(self):
        """One case drawn at random by an indexed range scan on random_key (not ORDER BY
        RANDOM())."""
        return self.drawn_at(random.random())

    def drawn_at(self, point):
        """The first case from point (0 to 1) in random_key order, wrapping round to the start
        when none lies past it: one or two look-ups on the (status, random_key, id) index."""
        by_key = self.order_by("random_key", "id")
        return by_key.filter(random_key__gte=point).first() or by_key.first()

    def neighbours(self, case, ordering):
        """(previous, next) of case in this queryset ordered by two fields, by keyset: two
        indexed look-ups, however deep in the results the case is. A field the case lacks (a
        search's rank) is read from this queryset; a case the search does not find has none."""
        values = self._position(case, ordering)
        if values is None:
            return None, None
        return (
            self._after(values, ordering, reverse=True).first(),
            self._after(values, ordering, reverse=False).first(),
        )

    def _position(self, case, ordering):
        names = [field.lstrip("-") for field in ordering]
        if all(hasattr(case, name) for name in names):
            return {name: getattr(case, name) for name in names}
        return self.filter(pk=case.pk).values(*names).first()

    def _after(self, values, ordering, reverse):
        (first, second) = ordering
        if reverse:
            first, second = _flip(first), _flip(second)
        name1, op1 = _keyset_lookup(first)
        name2, op2 = _keyset_lookup(second)
        value1, value2 = values[name1], values[name2]
        later = Q(**{f"{name1}__{op1}": value1}) | Q(**{name1: value1, f"{name2}__{op2}": value2})
        # The first condition is implied by `later`, but an index can start its scan there:
        # with the OR alone, PostgreSQL walks the index from its end (50,000 rows deep).
        bound = Q(**{f"{name1}__{op1}e": value1})
        return self.filter(bound, later).order_by(first, second)


# What browse filters test on the case row, carried by the browse indexes.
BROWSE_FILTER_COLUMNS = ["anatomy", "category", "difficulty", "age_days", "author",
                         "listed_modalities", "listed_tags"]
AUTHOR_FILTER_COLUMNS = ["anatomy", "category", "difficulty", "age_days", "listed_modalities",
                         "listed_tags"]


def listed_text(ids):
    """These modality or tag ids as a case's row lists them, in order, each between commas
    (",3,7,"; "" for none): "has modality 3" is then a test of the text for ",3,", which no
    other id's text holds."""
    return "".join(f",{pk}" for pk in sorted(ids)) + "," if ids else ""


def listed_id(pk):
    return f",{pk},"


class ListedIds(Func):
    """The ids a listed column holds, as an array (",3,11," -> {3,11}): the expression the GIN
    indexes of migration 0023 hold, PostgreSQL only. Its `contains` is exact in those indexes,
    so PostgreSQL can intersect them with a word's without reading any case's vector."""

    template = "(string_to_array(btrim(%(expressions)s, ','), ','))::bigint[]"
    output_field = ArrayField(models.BigIntegerField())


REQUIRED_TO_PUBLISH = [
    ("title", "title"),
    ("history", "clinical history"),
    ("anatomy_id", "anatomy"),
    ("category_id", "diagnostic category"),
    ("diagnosis", "final diagnosis"),
]


class Case(ReviewState):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Awaiting review"
        PUBLISHED = "published", "Published"

    class Sex(models.TextChoices):
        """The codes of DICOM's PatientSex (PS3.3 C.7.1.1), and unknown."""

        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "O", "Other"
        UNKNOWN = "U", "Unknown"

    class AgeUnit(models.TextChoices):
        """The units of a DICOM age string (PS3.5 6.2, VR AS)."""

        YEARS = "Y", "years"
        MONTHS = "M", "months"
        WEEKS = "W", "weeks"
        DAYS = "D", "days"

    class Difficulty(models.TextChoices):
        """The reader a case is pitched at."""

        STUDENT = "student", "Student"
        RESIDENT = "resident", "Resident"
        FELLOW = "fellow", "Fellow"

    class Certainty(models.TextChoices):
        """How the diagnosis was established: residents weigh a case by it."""

        PATHOLOGY = "pathology", "Pathology-proven"
        FOLLOW_UP = "follow-up", "Confirmed by follow-up"
        CONSENSUS = "consensus", "Expert consensus"
        TYPICAL = "typical", "Typical imaging"

    title = models.CharField(
        max_length=200, help_text="Usually the diagnosis. Hidden in the academic workflow."
    )
    unknown_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional neutral title shown in the academic workflow instead of the case "
        "number, e.g. “Knee pain in a teenager”. Must not give the answer away.",
    )
    history = models.TextField(
        blank=True,
        help_text="Clinical history as the reader would receive it, e.g. “4 year old with several "
        "week history of arthralgias and pancytopenia”. Shown in both workflows."
    )
    age_value = models.PositiveSmallIntegerField(
        "patient age", null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    age_unit = models.CharField(
        "age unit", max_length=1, choices=AgeUnit, default=AgeUnit.YEARS, blank=True
    )
    age_days = models.PositiveIntegerField(
        null=True, editable=False, help_text="Age on one scale, for the age-group filters."
    )
    sex = models.CharField(max_length=1, choices=Sex, default=Sex.UNKNOWN)
    anatomy = models.ForeignKey(
        Anatomy, on_delete=models.PROTECT, related_name="cases", null=True, blank=True
    )
    category = models.ForeignKey(
        DiagnosticCategory,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name="diagnostic category",
        null=True,
        blank=True,
    )
    difficulty = models.CharField(
        max_length=16, choices=Difficulty, default=Difficulty.RESIDENT, verbose_name="level"
    )
    certainty = models.CharField(
        "diagnostic certainty", max_length=16, choices=Certainty, blank=True
    )
    diagnosis = models.CharField("final diagnosis", max_length=300, blank=True)
    discussion = models.TextField(
        "discussion / teaching points",
        blank=True,
        help_text="Paragraphs separated by a blank line.",
    )
    tags = TaggableManager(blank=True, help_text="Comma-separated, e.g. PEDS, classic.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    cover_image = models.ForeignKey(
        "viewer.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The key image shown on cards. Left empty, the first image is used.",
    )
    random_key = models.FloatField(default=new_random_key, editable=False)
    # Keys the de-identification of this case's DICOM: its UIDs and its date shift.
    deid_salt = models.CharField(max_length=32, default=new_deid_salt, editable=False)
    # Full-text search (cases/search.py), filled by cases/derived.py on PostgreSQL only. A
    # tsvector column is plain text to SQLite, which accepts any column type: it stays NULL
    # there. Their GIN indexes are made by migration 0006 on PostgreSQL only, because SQLite
    # cannot create a GIN index (so they are not in Meta.indexes, which both databases build).
    search_standard = SearchVectorField(null=True, editable=False)
    search_academic = SearchVectorField(null=True, editable=False)
    # The modality and tag ids of a published case (listed_text()), as it was last counted
    # (cases/counts/keeping.py, in the transaction of each save): the modality and tag filters
    # test them on the row, which the browse indexes carry, instead of joining the studies and
    # taggit's items. Empty on a case not published.
    listed_modalities = models.TextField(default="", editable=False)
    listed_tags = models.TextField(default="", editable=False)

    objects = CaseQuerySet.as_manager()
    # Every change, for editors in the admin (not `history`: that is the clinical history).
    revisions = HistoricalRecords(excluded_fields=UNTRACKED_FIELDS)

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("publish_case", "Can publish and edit any case")]
        indexes = [
            # Browse sorted by newest / recently updated. The filters' columns are included
            # (PostgreSQL) so that a deep page's ids are an index-only scan, however many cases
            # the OFFSET skips (cases/paging.py).
            models.Index(fields=["status", "-published_at", "-id"], name="case_newest",
                         include=BROWSE_FILTER_COLUMNS),
            models.Index(fields=["status", "-updated", "-id"], name="case_updated",
                         include=BROWSE_FILTER_COLUMNS),
            # Browse with an author among filters alone: that author's cases in each ordering,
            # so that their count and a deep page's ids read that author's entries alone,
            # index-only, rather than every case's (cases/counts/authored.py).
            models.Index(fields=["status", "author", "-published_at", "-id"],
                         name="case_author_newest", include=AUTHOR_FILTER_COLUMNS),
            models.Index(fields=["status", "author", "-updated", "-id"],
                         name="case_author_updated", include=AUTHOR_FILTER_COLUMNS),
            # Random case: a range scan on random_key among published cases. The id is in the
            # key so the draw is an index-only scan: a random heap page of the wide rows is
            # rarely in memory (4.7 ms to read, against 0.14 ms for the whole draw without).
            # The filters' columns are included (PostgreSQL) so that a draw with filters tests
            # them in the index too, rather than in each wide row it walks past (a pool of
            # chest radiographs: 121 ms through the cases' rows, 5 ms in the index).
            models.Index(fields=["status", "random_key", "id"], name="case_random_id",
                         include=BROWSE_FILTER_COLUMNS),
            # Age-group filters.
            models.Index(fields=["status", "age_days"], name="case_age"),
            # Browse facet counts (cases/facets.py) and the paginator's count: an index-only
            # scan of these few columns rather than of the rows, which the search vectors make
            # ~4 kB wide.
            models.Index(
                fields=["status", "anatomy", "category", "difficulty", "age_days"],
                name="case_facets",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.age_days = age_in_days(self.age_value, self.age_unit)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self, workflow="standard"):
        return reverse("cases:detail", args=[workflow, self.pk])

    def clean(self):
        if self.status == self.Status.PUBLISHED:
            problems = self.publishing_problems()
            if problems:
                raise ValidationError(
                    "This case cannot be published yet: %(problems)s.",
                    code="not_ready",
                    params={"problems": "; ".join(problems)},
                )

    def publishing_problems(self):
        """What stops this case from being published, in words for its contributor."""
        problems = [
            f"the {label} is missing"
            for field, label in REQUIRED_TO_PUBLISH
            if not getattr(self, field)
        ]
        if self.pk:
            for series in Study.series_model().objects.awaiting_confirmation(self):
                problems.append(
                    f"{series.label()} of study “{series.study}” may show burned-in text: "
                    "confirm that its pixels show no identifier"
                )
        return problems

    def get_admin_url(self):
        return reverse("admin:cases_case_change", args=[self.pk])

    @property
    def number(self):
        return f"Case {self.pk}"

    @property
    def age_display(self):
        if self.age_value is None:
            return ""
        unit = self.get_age_unit_display()
        if self.age_value == 1:
            unit = unit.rstrip("s")
        return f"{self.age_value} {unit}"

    def is_editable_by(self, user):
        return user.has_perm("cases.publish_case") or (
            user.has_perm("cases.change_case") and self.author_id == user.pk
        )

    def is_in_admin_of(self, user):
        """Whether the user works on this case in the admin (staff who may edit it): they see
        what readers may not yet, its draft, images awaiting confirmation, and annotate it."""
        return user.is_staff and self.is_editable_by(user)

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def ensure_cover(self):
        """Use the first image as the cover when none is chosen (or the chosen one was deleted).
        Only an image readers may see is ever the cover: cards show it whatever else the case
        holds, so one of a series awaiting confirmation of its pixels gives way to the first
        image readers may see, or to none."""
        self.refresh_from_db(fields=["cover_image"])
        images = Study.image_model().objects.filter(study__case=self).cleared()
        if self.cover_image_id is not None and images.filter(pk=self.cover_image_id).exists():
            return
        first = images.order_by(
            "study__position", "study_id", "series__position", "position", "id"
        ).first()
        if (first.pk if first else None) != self.cover_image_id:
            self.cover_image = first
            Case.objects.filter(pk=self.pk).update(cover_image=first)

    def modalities(self):
        """Distinct modalities of the studies, in study order (uses prefetched studies: those
        for_cards() lists in card_studies when it read them, so that no manager is made per
        case to hold them)."""
        studies = getattr(self, "card_studies", None)
        seen = {}
        for study in self.studies.all() if studies is None else studies:
            seen.setdefault(study.modality.code, study.modality)
        return list(seen.values())
