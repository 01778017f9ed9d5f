"""Stored files go when their rows go (after the transaction commits, so a rollback keeps them)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from viewer.models import Image, Instance


@receiver(post_delete, sender=Image)
def image_deleted(sender, instance, **kwargs):
    instance.delete_files()


@receiver(post_delete, sender=Instance)
def instance_deleted(sender, instance, **kwargs):
    storage, name = instance.file.storage, instance.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))
