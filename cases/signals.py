"""Keep derived data fresh when cases and images change: statistics and each case's cover image."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.models import Case
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
