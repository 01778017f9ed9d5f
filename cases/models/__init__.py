"""Teaching cases: the case (cases.models.case), what it holds (parts) and the vocabularies it is
filed under. Everything is importable from cases.models, as migrations and the rest of the code
expect."""

from cases.models.case import REQUIRED_TO_PUBLISH, Case, CaseQuerySet, new_deid_salt, new_random_key
from cases.models.counts import CountedCase, FacetCount
from cases.models.daily import CaseOfTheDay
from cases.models.parts import AcceptedAnswer, Differential, Reference, Study
from cases.models.queue import CaseAwaitingReview
from cases.models.version import ContentVersion
from cases.models.vocabularies import Anatomy, DiagnosticCategory, Modality, Vocabulary

__all__ = [
    "REQUIRED_TO_PUBLISH",
    "AcceptedAnswer",
    "Anatomy",
    "Case",
    "CaseAwaitingReview",
    "CaseOfTheDay",
    "CaseQuerySet",
    "ContentVersion",
    "CountedCase",
    "DiagnosticCategory",
    "Differential",
    "FacetCount",
    "Modality",
    "Reference",
    "Study",
    "Vocabulary",
    "new_deid_salt",
    "new_random_key",
]
