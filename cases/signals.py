"""Keep what is derived from cases fresh (cases/derived.py) when a case, its studies,
differentials, tags or a term it uses are saved one by one (the admin, the importers, the
tests). The images' signals are the viewer's (viewer/signals.py)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from cases import derived
from cases.caching import new_counts_version
from cases.models import (
    Anatomy,
    Case,
    CaseOfTheDay,
    DiagnosticCategory,
    Differential,
    Modality,
    Study,
)
from cases.models.parts import AcceptedAnswer


@receiver(post_save, sender=Case)
def case_saved(sender, instance, raw=False, **kwargs):
    # The cover too: a save writes the cover it was loaded with, maybe none, while its images
    # were added or cleared for readers.
    derived.refresh(None if raw else instance, text=True, cover=True)


@receiver(post_delete, sender=Case)
def case_deleted(sender, instance, **kwargs):
    derived.refresh(deleted=instance.pk)


@receiver([post_save, post_delete], sender=Study)
@receiver([post_save, post_delete], sender=Differential)
@receiver([post_save, post_delete], sender=AcceptedAnswer)
def case_part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        derived.refresh(instance.case, text=True)


@receiver(m2m_changed, sender=Case.tags.through)
def case_tags_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Case):
        derived.refresh(instance, text=True)


# Which cases use a term, by the term's model.
USES = {
    Anatomy: "anatomy",
    DiagnosticCategory: "category",
    Modality: "studies__modality",
    Tag: "tags",
}


@receiver(post_save, sender=Anatomy)
@receiver(post_save, sender=DiagnosticCategory)
@receiver(post_save, sender=Modality)
@receiver(post_save, sender=Tag)
def term_saved(sender, instance, created, raw=False, **kwargs):
    """A renamed term changes the text of every case that uses it (rare: editors' work), and
    a tag's name the top tags beside the browse results."""
    if not (created or raw):
        derived.refresh_many(Case.objects.filter(**{USES[sender]: instance}).distinct())
        new_counts_version()


@receiver(post_save, sender=CaseOfTheDay)
def day_saved(sender, instance, created, raw=False, **kwargs):
    """An editor's change reaches the cached archive at once. A day's automatic pick, recorded
    on its first request, changes nothing cached: the homepage asks for the day's case on every
    request, and the archive lists only the days before."""
    if not (created and instance.scheduled_by_id is None):
        derived.refresh()


@receiver(post_delete, sender=CaseOfTheDay)
def day_deleted(sender, **kwargs):
    derived.refresh()
