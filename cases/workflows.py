"""The two ways to read a case, and the one list of what the academic workflow hides.

A view never hands a Case to an academic template: it hands a CaseView built here, whose hidden
fields are simply absent, so a template cannot leak what it was never given.
"""

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from cases.links import ID, reverse_with_id

STANDARD = "standard"
ACADEMIC = "academic"
WORKFLOWS = (STANDARD, ACADEMIC)
COOKIE = "workflow"

# Everything that could give the answer away. Hidden means never sent in academic pages.
HIDDEN_IN_ACADEMIC = frozenset(
    {
        "title",
        "category",
        "certainty",
        "diagnosis",
        "differentials",
        "accepted_answers",
        "findings",
        "discussion",
        "references",
        "tags",
        "captions",
        "annotations",  # their labels name findings; the viewer and handouts draw them
    }
)


def may_use_standard(user):
    groups = settings.STANDARD_WORKFLOW_GROUPS
    if not groups or user.is_staff:
        return True
    if not user.is_authenticated:
        return False
    # Asked by the header and the view: one query, or none for a user from the shared cache.
    return not user.group_names.isdisjoint(groups)


def get_workflow(request, name):
    """The workflow a URL names, if this visitor may use it."""
    if name not in WORKFLOWS:
        raise Http404("No such workflow")
    if name == STANDARD and not may_use_standard(request.user):
        raise PermissionDenied("The standard workflow is limited to some groups here.")
    return name


@dataclass
class StudyView:
    modality: object
    description: str
    findings: str = ""
    images: list = field(default_factory=list)


@dataclass
class ImageView:
    pk: int
    number: int
    caption: str
    thumbnail_url: str
    display_url: str
    full_url: str
    width: int
    height: int
    stack_size: int = 1  # a DICOM series shows as one tile: its middle image, and its size
    series_pk: int = 0
    index: int = 0  # the image's place in its series, where the viewer opens
    manifest_url: str = ""  # the series as the viewer loads it, for this workflow


@dataclass
class CaseView:
    """The fields of a case one workflow may show; hidden ones are left empty."""

    pk: int
    workflow: str
    heading: str
    age: str
    sex: str
    anatomy: object
    author: object
    difficulty: str
    created: object
    updated: object
    modalities: list
    history: str = ""  # a card's view (card()) leaves it out: no card shows it
    studies: list = field(default_factory=list)
    title: str = ""
    category: object = None
    certainty: str = ""
    diagnosis: str = ""
    differentials: list = field(default_factory=list)
    accepted_answers: list = field(default_factory=list)
    discussion: str = ""
    references: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    cover_url: str = ""
    key_image: dict | None = None  # where the viewer opens on the cover: series_pk, index, manifest
    snippet: str = ""  # standard search results: the matched words in context (safe HTML)
    mark_slot: str = ""  # academic browse: where the reader's marks go (cases/memory.py)

    @property
    def revealed(self):
        return bool(self.title)

    @property
    def demographics(self):
        """Age and sex as a card says them: "34 years, female", "34 years", "female"."""
        sex = self.sex.lower()
        return f"{self.age}, {sex}" if self.age and sex else self.age or sex

    def get_absolute_url(self):
        return reverse_with_id("cases:detail", (self.workflow, ID), self.pk)


def present(case, workflow, studies=None, reveal=False):
    """A CaseView of the case for the workflow; with reveal, the academic view shows the answer.

    studies, when given, is the case's studies with their images: the detail page gives them and
    gets the whole answer; without them (the case of the day, a set's list) the view gets only
    the title and category. A card is card()'s.
    """
    shows_answer = workflow == STANDARD or reveal
    view = _view(case, workflow, shows_answer)
    view.history = case.history
    if studies is not None:
        view.studies = [_study_view(s, shows_answer, workflow) for s in studies]
        view.key_image = _key_image(case, studies, workflow)
        if shows_answer:
            _add_answer(view, case)
    return view


def card(case, workflow):
    """The CaseView a case's card shows (cases/_card.html): present() without the history, which
    no card shows, so that the cards' query need not read it (CaseQuerySet.for_cards)."""
    return _view(case, workflow, shows_answer=workflow == STANDARD)


def _view(case, workflow, shows_answer):
    """What a card and a case page both show; the title and category only with the answer."""
    view = CaseView(
        pk=case.pk,
        workflow=workflow,
        heading=case.title if shows_answer else (case.unknown_title or case.number),
        age=case.age_display,
        sex=_label(case.Sex, case.sex) if case.sex != case.Sex.UNKNOWN else "",
        anatomy=case.anatomy,
        author=case.author,
        difficulty=_label(case.Difficulty, case.difficulty),
        created=case.created,
        updated=case.updated,
        modalities=case.modalities(),
        cover_url=_cover_url(case),
    )
    if shows_answer:
        view.title = case.title
        view.category = case.category
    return view


@cache
def _labels(choices):
    return dict(choices.choices)


def _label(choices, value):
    """get_FOO_display() of a field with these choices, without the dict it builds each call."""
    return _labels(choices).get(value, value)


def _add_answer(view, case):
    view.certainty = case.get_certainty_display() if case.certainty else ""
    view.diagnosis = case.diagnosis
    view.differentials = [d.diagnosis for d in case.differentials.all()]
    view.accepted_answers = [a.answer for a in case.accepted_answers.all()]
    view.discussion = case.discussion
    view.references = list(case.references.all())
    view.tags = [t.name for t in case.tags.all()]


def _study_view(study, shows_answer, workflow):
    def manifest_url(image):
        return reverse("viewer:manifest", args=[workflow, study.case_id, image.series_id])

    tiles = [
        _image_view(image, n, shows_answer, size, index, manifest_url(image))
        for n, (image, size, index) in enumerate(_tiles(study.images.all()), start=1)
    ]
    return StudyView(
        modality=study.modality,
        description=study.description,
        findings=study.findings if shows_answer else "",
        images=tiles,
    )


def _key_image(case, studies, workflow):
    """Where the viewer opens on the case's key image (its cover), or None: its series and its
    place there, counted as _tiles counts."""
    for study in studies:
        before = {}
        for image in study.images.all():
            if image.pk == case.cover_image_id:
                manifest = reverse("viewer:manifest", args=[workflow, case.pk, image.series_id])
                index = before.get(image.series_id, 0)
                return {"series_pk": image.series_id, "index": index, "manifest_url": manifest}
            before[image.series_id] = before.get(image.series_id, 0) + 1
    return None


def _tiles(images):
    """(image, stack size, index in its series) to show, series by series: every picture, and one
    middle image per DICOM series, so a 500-slice CT is one tile, not 500."""
    by_series = {}
    for image in images:
        by_series.setdefault(image.series_id, []).append(image)
    for group in by_series.values():
        if group[0].instance_id is None:
            yield from ((image, 1, index) for index, image in enumerate(group))
        else:
            yield group[len(group) // 2], len(group), len(group) // 2


def _image_view(image, number, shows_answer, stack_size, index, manifest_url):
    return ImageView(
        pk=image.pk,
        number=number,
        caption=image.caption if shows_answer else "",
        thumbnail_url=image.file_url("thumbnail"),
        display_url=image.file_url("display"),
        full_url=image.file_url("full"),
        width=image.width,
        height=image.height,
        stack_size=stack_size,
        series_pk=image.series_id,
        index=index,
        manifest_url=manifest_url,
    )


def _cover_url(case):
    if case.cover_image_id:
        return reverse_with_id("viewer:image_file", (ID, "thumbnail"), case.cover_image_id)
    return ""
