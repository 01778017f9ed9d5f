"""Reading a set: the list of listed sets, a set's page in each workflow, presenter mode and the
replay of a set as a quiz. Changing a set is casesets/editing.py; who may do what, access.py.

Every page here holds the reader's own score or the owner's controls, so none is cached for
another reader: each is rendered per request in a fixed number of queries.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from attempts import opening
from attempts.forms import AnswerForm
from cases.models import Case
from cases.workflows import ACADEMIC, STANDARD, get_workflow, present
from casesets import scores
from casesets.access import get_readable_set, may_make_sets
from casesets.entries import entries, published_items
from casesets.models import CaseSet

SETS_PER_PAGE = 50
REVEAL_STEPS = 2  # presenter mode: the unknown, then the findings, then diagnosis and discussion


def _own(response):
    """A page holding what is this reader's own: never stored for anyone else."""
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _with_sizes(sets):
    """The sets with `size`, how many of their cases are published, in the same query."""
    published = Q(items__case__status="published")
    sets = sets.select_related("owner").annotate(size=Count("items", filter=published))
    return sets.order_by(*CaseSet._meta.ordering)  # a grouped query drops Meta.ordering


@require_GET
def set_list(request):
    listed = Paginator(_with_sizes(CaseSet.objects.listed()), SETS_PER_PAGE)
    context = {
        "workflow": ACADEMIC,
        "page": listed.get_page(request.GET.get("page")),
        "own": list(_with_sizes(CaseSet.objects.owned_by(request.user))),
        "may_make": may_make_sets(request.user),
    }
    return _own(render(request, "casesets/list.html", context))


@require_GET
def detail(request, workflow, token):
    """The set's cases: unknowns in academic, everything in standard (notes to the owner); each
    reader's own score, and the owner's table of everyone's."""
    workflow = get_workflow(request, workflow)
    case_set = get_readable_set(request, token)
    shown = entries(case_set, published_items(case_set), workflow, request.user)
    case_ids = [entry.unknown.pk for entry in shown]
    owner = case_set.is_owned_by(request.user)
    context = {
        "workflow": workflow,
        "case_set": case_set,
        "entries": shown,
        "owner": owner,
        "score": scores.score_of(case_set, case_ids, request.user),
        "everyone": scores.everyone(case_set, case_ids) if owner else None,
    }
    return _own(render(request, "casesets/detail.html", context))


@require_GET
def present_set(request, workflow, token):
    """Presenter mode. In standard the cases reveal step by step and the owner sees their notes;
    in academic (anyone the set is shared with who does not read standard) they stay unknowns:
    nothing hidden is sent, so no key can reveal it."""
    workflow = get_workflow(request, workflow)
    case_set = get_readable_set(request, token)
    shown = entries(case_set, published_items(case_set), workflow, request.user, images=True)
    context = {
        "workflow": workflow,
        "case_set": case_set,
        "entries": shown,
        "steps": REVEAL_STEPS if workflow == STANDARD else 0,
        "has_notes": case_set.is_owned_by(request.user) and workflow == STANDARD,
    }
    return _own(render(request, "casesets/present.html", context))


@require_GET
@login_required
def replay(request, token, number):
    """A case of the set as an unknown with the answer form (attempts): the commit counts as any
    attempt does, then its answer page goes on to the set's next case."""
    get_workflow(request, ACADEMIC)
    case_set = get_readable_set(request, token)
    items = published_items(case_set)
    if not 1 <= number <= len(items):
        raise Http404("No such case in this set")
    case = get_object_or_404(Case.objects.for_readers(), pk=items[number - 1].case_id)
    onward = _replay_url(case_set, number + 1) if number < len(items) else (
        case_set.get_absolute_url(ACADEMIC)
    )  # fmt: skip
    context = {
        "workflow": ACADEMIC,
        "case_set": case_set,
        "case": present(case, ACADEMIC, studies=case.studies.all()),
        "number": number,
        "count": len(items),
        "previous_url": _replay_url(case_set, number - 1) if number > 1 else "",
        "next_url": _replay_url(case_set, number + 1) if number < len(items) else "",
        "answer_form": AnswerForm(auto_id="answer-%s"),
        "querystring": urlencode({"next": onward}),  # the commit's answer page goes on there
    }
    page = render_to_string("casesets/replay.html", context, request).encode()
    return _own(HttpResponse(opening.fill(page, request, case.pk)))


def _replay_url(case_set, number):
    return reverse("casesets:replay", args=[case_set.token, number])


