"""Drafts (drafts.py) as the rows of the tables they fill, as tuples of column values.

Building model instances for bulk_create took a third of generate_cases' Python time, for rows
whose values are all known here. A Table lists the columns a draft gives and fills each other
column that may not be NULL with its field's default, once; nullable columns are left out.
Ids are allocated beforehand (loading.allocate), so that a case's row names its cover image and
its children name their parents without a round trip.
"""

import uuid
from dataclasses import dataclass

from django.db import connection
from taggit.models import TaggedItem

from cases.models import Case, Differential, Reference, Study
from cases.models.case import listed_text

PUBLISHED = Case.Status.PUBLISHED.value


class Table:
    """A model's table: the columns rows give (by attname), then the constant defaults."""

    def __init__(self, model, given):
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.given = [fields[name] for name in given]
        self.constants = [
            (f, f.get_db_prep_save(f.get_default(), connection))
            for f in fields.values()
            if f.attname not in given and not f.primary_key and not f.null
        ]
        # Quoted: some are SQL keywords (an image's "full").
        self.columns = [connection.ops.quote_name(f.column)
                        for f in (*self.given, *(f for f, _ in self.constants))]

    def rows(self, values):
        """Rows for the database: each tuple of given values followed by the constants, and on
        databases psycopg does not adapt for us (SQLite) each value prepared by its field."""
        constants = tuple(value for _, value in self.constants)
        if connection.vendor == "postgresql":
            return [(*row, *constants) for row in values]
        return [
            (*(f.get_db_prep_save(v, connection) for f, v in zip(self.given, row, strict=True)),
             *constants)
            for row in values
        ]


CASE_FIELDS = (
    "id", "title", "unknown_title", "history", "age_value", "age_unit", "age_days", "sex",
    "anatomy_id", "category_id", "difficulty", "certainty", "diagnosis", "discussion",
    "author_id", "status", "created", "updated", "published_at", "cover_image_id", "random_key",
    "deid_salt", "listed_modalities", "listed_tags",
)


@dataclass
class Tables:
    """The tables a batch fills, in the order they are written."""

    case: Table
    study: Table
    series: Table
    image: Table
    differential: Table
    reference: Table
    tagged: Table

    def names(self):
        return [table.name for table in vars(self).values()]


def tables():
    return Tables(
        case=Table(Case, CASE_FIELDS),
        study=Table(Study, ("id", "case_id", "modality_id", "description", "findings",
                            "position")),
        series=Table(Study.series_model(), ("id", "study_id", "description", "modality")),
        image=Table(Study.image_model(), (
            "id", "key", "series_id", "study_id", "position", "caption", "full", "display",
            "thumbnail", "width", "height", "created",
        )),
        differential=Table(Differential, ("case_id", "diagnosis", "position")),
        reference=Table(Reference, ("case_id", "citation", "doi", "position")),
        tagged=Table(TaggedItem, ("content_type_id", "object_id", "tag_id")),
    )


def counts(drafts):
    """How many ids each table with allocated ids needs: cases, studies (= series), images."""
    studies = sum(len(d.studies) for d in drafts)
    images = sum(len(s.images) for d in drafts for s in d.studies)
    return len(drafts), studies, images


@dataclass
class Ids:
    cases: list
    studies: list
    series: list
    images: list


def values(drafts, ids, case_type_id, now):
    """{table attribute: [tuples of the given columns]} of the drafts, numbered by ids in the
    drafts' order (cases, then each case's studies, then their images): the order bulk_create
    numbered them in. The cover is the case's first image, as Case.ensure_cover picks it."""
    out = {name: [] for name in ("case", "study", "series", "image", "differential",
                                 "reference", "tagged")}
    studies, images = iter(zip(ids.studies, ids.series, strict=True)), iter(ids.images)
    for draft, case_id in zip(drafts, ids.cases, strict=True):
        cover = None
        for study in draft.studies:
            study_id, series_id = next(studies)
            out["study"].append((study_id, case_id, study.modality.pk, study.description,
                                 study.findings, study.position))
            out["series"].append((series_id, study_id, study.description, study.modality.code))
            for position, (caption, picture) in enumerate(study.images):
                image_id = next(images)
                cover = cover or image_id
                out["image"].append((
                    image_id, uuid.uuid4(), series_id, study_id, position, caption, picture.full,
                    picture.display, picture.thumbnail, picture.width, picture.height, now,
                ))
        out["case"].append(case_row(draft, case_id, cover))
        out["differential"] += [(case_id, d.diagnosis, i)
                                for i, d in enumerate(draft.differentials)]
        out["reference"] += [(case_id, citation, doi, i)
                             for i, (citation, doi) in enumerate(draft.references)]
        out["tagged"] += [(case_type_id, case_id, tag.pk) for tag in draft.tags]
    return out


def case_row(draft, case_id, cover):
    """The case's columns in CASE_FIELDS' order. `updated` is the publication date, as though
    nobody touched the case since."""
    d = draft
    return (
        case_id, d.title, d.unknown_title, d.history, d.age_value, d.age_unit, d.age_days, d.sex,
        d.anatomy.pk, d.category.pk, d.difficulty, d.certainty, d.diagnosis, d.discussion,
        d.author_id, PUBLISHED, d.created, d.published_at, d.published_at, cover, d.random_key,
        d.deid_salt, listed_text({study.modality.pk for study in d.studies}),
        listed_text({tag.pk for tag in d.tags}),
    )
