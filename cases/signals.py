"""Keep derived data fresh when cases and images change: statistics, each case's cover image and
its search vectors (cases/search.py)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from cases import search
from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Study
from cases.statistics import forget
from viewer.models import Image


@receiver([post_save, post_delete], sender=Case)
def case_changed(sender, **kwargs):
    forget()


@receiver(post_save, sender=Image)
def image_saved(sender, instance, created, **kwargs):
    forget()
    if created:
        instance.study.case.ensure_cover()


@receiver(post_delete, sender=Image)
def image_deleted(sender, instance, **kwargs):
    forget()
    case = Case.objects.filter(studies=instance.study_id).first()
    if case is not None:
        case.ensure_cover()


# --- search vectors: the admin, the importers and the tests all save through these ----------


@receiver(post_save, sender=Case)
def case_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        instance.update_search()


@receiver([post_save, post_delete], sender=Study)
@receiver([post_save, post_delete], sender=Differential)
def case_part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        search.refresh(instance.case_id)


@receiver(m2m_changed, sender=Case.tags.through)
def case_tags_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Case):
        instance.update_search()


# Which cases use a term, by the term's model.
USES = {Anatomy: "anatomy", DiagnosticCategory: "category", Modality: "studies__modality", Tag: "tags"}


@receiver(post_save, sender=Anatomy)
@receiver(post_save, sender=DiagnosticCategory)
@receiver(post_save, sender=Modality)
@receiver(post_save, sender=Tag)
def term_saved(sender, instance, created, raw=False, **kwargs):
    """A renamed term changes the vectors of every case that uses it (rare: editors' work)."""
    if created or raw or not search.ranks():
        return
    for case in Case.objects.filter(**{USES[sender]: instance}).distinct():
        case.update_search()
