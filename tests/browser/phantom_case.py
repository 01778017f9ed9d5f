"""The case the browser tests open: the CT phantom (tests/browser/phantom.py) and a colour
photograph in one published case, with a marker in every field the academic workflow hides."""

from io import BytesIO

from cases.models import Case
from dicom.archive import Member
from tests.factories import make_case

MARKERS = {
    "title": "ZQXMARKER-title-201",
    "diagnosis": "ZQXMARKER-diagnosis-202",
    "findings": "ZQXMARKER-findings-203",
    "discussion": "ZQXMARKER-discussion-204",
    "caption": "ZQXMARKER-caption-205",
    "series description": "ZQXMARKER-series-206",
}


def member(name, data):
    return Member(name, lambda: BytesIO(data), len(data))


def build_phantom_case(author, uploads):
    """A published case: one CT study holding the phantom series, then a colour photograph, with
    a marker in every field the academic workflow hides."""
    case = make_case(
        author,
        images=0,
        modality="CT",
        anatomy="neuro",
        category="trauma",
        status=Case.Status.PUBLISHED,
        title=MARKERS["title"],
        unknown_title="Headache after a fall",
        diagnosis=MARKERS["diagnosis"],
        findings=MARKERS["findings"],
        discussion=MARKERS["discussion"],
    )
    study = case.studies.get()
    for upload in uploads:
        upload.publish(study, case=case)
    study.images.update(caption=MARKERS["caption"])
    case.refresh_from_db()
    return case
