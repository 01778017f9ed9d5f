"""Who may do what with a set, each rule written once and asked by every view it concerns.

- Reading (`get_readable_set`): a set is reached by its unguessable token; a private one only
  by its owner, 404 for anyone else (it does not exist for them).
- Changing (`get_own_set`): the owner alone; 404 for anyone else.
- Making sets and adding cases (`require_maker`): a standard reader with the permission
  casesets.add_caseset (the Attendings group has it: cases/roles.py); 403 with a reason else.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases.workflows import may_use_standard
from casesets.models import CaseSet

MAKE = "casesets.add_caseset"


def get_readable_set(request, token):
    case_set = get_object_or_404(CaseSet, token=token)
    if not case_set.may_be_read_by(request.user):
        raise Http404("No such set")
    return case_set


def get_own_set(request, set_pk):
    return get_object_or_404(CaseSet.objects.owned_by(request.user), pk=set_pk)


def may_make_sets(user):
    return user.has_perm(MAKE) and may_use_standard(user)


def require_maker(request):
    if not may_make_sets(request.user):
        raise PermissionDenied("Making case sets is for attendings (the Attendings group).")
