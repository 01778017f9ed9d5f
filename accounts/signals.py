"""Every change that can matter to a logged-in session makes the shared cache's copies of the
users it touches stale (accounts/cached_users.py): who may log in, with which password, as
staff or not, and the groups that decide who reads the standard workflow."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from accounts import cached_users
from accounts.sessions import SessionStore, hinted_user

User = get_user_model()


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def user_changed(sender, instance, **kwargs):
    cached_users.forget(instance.pk)


@receiver(m2m_changed, sender=User.groups.through)
def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's groups, changed from either side: user.groups.add() or group.user_set.add()."""
    if action == "pre_clear" and reverse:  # the group's members, while they are still known
        instance._cleared_members = list(instance.user_set.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        cached_users.forget(instance.pk)
        return
    members = pk_set if action != "post_clear" else getattr(instance, "_cleared_members", [])
    for pk in members:
        cached_users.forget(pk)


@receiver(post_save, sender=Group)  # renamed: STANDARD_WORKFLOW_GROUPS names groups
@receiver(pre_delete, sender=Group)  # its members' rows go without an m2m signal
def group_changed(sender, instance, **kwargs):
    if instance.pk is None:
        return
    for pk in instance.user_set.values_list("pk", flat=True):
        cached_users.forget(pk)


@receiver(user_logged_in)
def session_key_names_its_user(sender, request, user, **kwargs):
    """A logged-in session's key carries its user's id, so that loading the session reads the
    user in the same round trip (accounts/sessions.py). login() cycled the key before the session
    named the user: it is cycled once more now that it does."""
    session = getattr(request, "session", None)
    if isinstance(session, SessionStore) and hinted_user(session.session_key) != user.pk:
        session.cycle_key()
