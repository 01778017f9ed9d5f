"""The groups a department assigns, and what each may do in the admin.

Run after every migrate (post_migrate) so new permissions reach the groups; permissions an
administrator added by hand are kept.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

CONTRIBUTORS = "Contributors"
EDITORS = "Editors"
ATTENDINGS = "Attendings"
RESIDENTS = "Residents"

CASE_CONTENT = [
    "case", "study", "differential", "acceptedanswer", "reference", "series", "image", "annotation"
]
VOCABULARIES = ["anatomy", "diagnosticcategory", "modality"]


def _codenames(models, actions=("add", "change", "delete", "view")):
    return [f"{action}_{model}" for model in models for action in actions]


PERMISSIONS = {
    # Contributors edit their own cases only (enforced in cases.admin), and cannot publish.
    # They also see what their PACS and DICOMweb clients sent them (pacs.admin: their own).
    CONTRIBUTORS: (
        _codenames(CASE_CONTENT) + _codenames(VOCABULARIES, ["view"]) + ["add_tag", "view_tag"]
        + ["view_receivedstudy"]
    ),
    # Editors also unlock logins: deleting a login's access attempt (django-axes) lifts its lock.
    EDITORS: (
        _codenames(CASE_CONTENT) + _codenames(VOCABULARIES) + _codenames(["tag"]) + ["publish_case"]
        + _codenames(["caseoftheday"])  # schedule the homepage's case of the day
        + ["view_accessattempt", "delete_accessattempt"]
    ),
    # Attendings make conference sets of cases (casesets/).
    ATTENDINGS: ["add_caseset"],
    RESIDENTS: [],
}


APPS = ["cases", "viewer", "taggit", "axes", "casesets", "pacs"]


def ensure_groups(**kwargs):
    # Each app's permissions are made on its own post_migrate, which for the apps listed after
    # this one comes after this runs; made here first, they reach the groups on the first migrate.
    for label in APPS:
        create_permissions(apps.get_app_config(label), verbosity=0)
    for name, codenames in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Permission.objects.filter(
            content_type__app_label__in=APPS, codename__in=codenames
        )
        group.permissions.add(*wanted)
