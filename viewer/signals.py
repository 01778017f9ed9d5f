"""Stored files go when their rows go (after the transaction commits, so a rollback keeps them),
and what is derived from a case's images follows them (cases/derived.py: its cover, the content
version that keys the cached pages and the homepage statistics)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases import derived
from cases.models import Case
from viewer.models import Annotation, Image, Instance, Series


@receiver(post_save, sender=Image)
def image_saved(sender, instance, created, **kwargs):
    derived.refresh(instance.study.case if created else None, cover=True)


@receiver(post_delete, sender=Image)
def image_deleted(sender, instance, **kwargs):
    instance.delete_files()
    derived.refresh(Case.objects.filter(studies=instance.study_id).first(), cover=True)


@receiver([post_save, post_delete], sender=Series)
def series_changed(sender, instance, raw=False, **kwargs):
    """A series confirmed clean of burned-in text, flagged, described or deleted changes what
    readers see of its case (Image.objects.for_readers()): its pages, and maybe its cover."""
    if not raw:
        derived.refresh(Case.objects.filter(studies=instance.study_id).first(), cover=True)


@receiver(post_delete, sender=Instance)
def instance_deleted(sender, instance, **kwargs):
    storage, name = instance.file.storage, instance.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_save, sender=Annotation)
@receiver(post_delete, sender=Annotation)
def annotation_changed(sender, instance, **kwargs):
    derived.refresh()  # the manifests and the standard handout show it
