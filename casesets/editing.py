"""Making and changing sets: the owner alone changes a set (access.get_own_set, 404 for anyone
else); making one, or adding cases, needs the permission to make sets (access.require_maker).
Bad input shows the form again with its errors and what was typed, so nothing is lost."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case as Ordered
from django.db.models import Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cases.forms import BrowseForm
from cases.models import Case
from cases.workflows import STANDARD
from casesets.access import get_own_set, require_maker
from casesets.entries import entries
from casesets.forms import AddCasesForm, CaseSetForm, MoveForm, NotesForm


def _edit_url(case_set):
    return redirect("casesets:edit", set_pk=case_set.pk)


@require_http_methods(["GET", "POST"])
@login_required
def new_set(request):
    require_maker(request)
    form = CaseSetForm(request.POST or None)
    if form.is_valid():
        form.instance.owner = request.user
        case_set = form.save()
        messages.success(request, "Set made: add cases from a case page or from browse.")
        return _edit_url(case_set)
    context = {"form": form, "workflow": STANDARD}
    return render(request, "casesets/form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@login_required
def edit(request, set_pk):
    """The set's name, date and visibility, and its cases: notes, order, removal."""
    case_set = get_own_set(request, set_pk)
    form = CaseSetForm(request.POST or None, instance=case_set)
    if form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return _edit_url(case_set)
    items = {item.pk: item for item in case_set.items.shown()}
    shown = entries(case_set, list(items.values()), STANDARD, request.user)
    rows = [(entry, NotesForm(instance=items[entry.item_pk], prefix=f"item-{entry.item_pk}"))
            for entry in shown]  # fmt: skip
    context = {"workflow": STANDARD, "case_set": case_set, "form": form, "rows": rows}
    return render(request, "casesets/edit.html", context, status=_status(form))


def _status(form):
    return 400 if form.is_bound and not form.is_valid() else 200


def _get_own_item(request, set_pk, item_pk):
    case_set = get_own_set(request, set_pk)
    return case_set, get_object_or_404(case_set.items, pk=item_pk)


@require_POST
@login_required
def item_notes(request, set_pk, item_pk):
    case_set, item = _get_own_item(request, set_pk, item_pk)
    form = NotesForm(request.POST, instance=item, prefix=f"item-{item.pk}")
    if form.is_valid():
        form.save()
        messages.success(request, f"Notes saved for case {item.case_id}.")
    else:
        messages.error(request, f"Notes not saved: {form.errors.as_text()}")
    return _edit_url(case_set)


@require_POST
@login_required
def item_move(request, set_pk, item_pk):
    case_set, item = _get_own_item(request, set_pk, item_pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        case_set.move(item, form.offset())
    else:
        messages.error(request, "Move up or down only.")
    return _edit_url(case_set)


@require_POST
@login_required
def item_remove(request, set_pk, item_pk):
    case_set, item = _get_own_item(request, set_pk, item_pk)
    item.delete()
    messages.success(request, f"Case {item.case_id} removed from the set.")
    return _edit_url(case_set)


@require_POST
@login_required
def new_link(request, set_pk):
    case_set = get_own_set(request, set_pk)
    case_set.new_link()
    messages.success(request, "The set has a new link: the old one no longer works.")
    return _edit_url(case_set)


@require_POST
@login_required
def delete(request, set_pk):
    case_set = get_own_set(request, set_pk)
    case_set.delete()
    messages.success(request, f"Set “{case_set.name}” deleted.")
    return redirect("casesets:list")


@require_http_methods(["GET", "POST"])
@login_required
def add_cases(request):
    """Add a case (?case=pk, from its standard page) or a page of standard browse results (the
    browse filters, from the browse page) to one of the reader's sets, or to a new one."""
    require_maker(request)
    candidates = _candidates(request)
    form = AddCasesForm(request.POST or None, owner=request.user, candidates=candidates)
    if not request.POST:
        form.initial["cases"] = list(candidates)
    if form.is_valid():
        case_set, added = form.save()
        messages.success(request, f"{added} case(s) added to “{case_set.name}”.")
        return _edit_url(case_set)
    context = {"workflow": STANDARD, "form": form, "querystring": request.GET.urlencode()}
    return render(request, "casesets/add.html", context, status=_status(form))


def _candidates(request):
    """The published cases the request names, as one queryset in the order it lists them."""
    published = Case.objects.published()
    named = [int(pk) for pk in request.GET.getlist("case") if pk.isdigit()]
    if not named:
        found = BrowseForm(request.GET, STANDARD).filter(published).values_list("pk", flat=True)
        page = Paginator(found, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
        named = list(page.object_list)
    return _in_order(published.filter(pk__in=named), named)


def _in_order(cases, pks):
    """The cases ordered as pks lists them (a page of results keeps its sort)."""
    place = [When(pk=pk, then=Value(n)) for n, pk in enumerate(pks)]
    return cases.order_by(Ordered(*place, default=Value(len(pks)))) if place else cases.none()
