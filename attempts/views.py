"""Committing an answer to an academic case, the answer page that follows it, and progress.

Access: an attempt is read and confirmed only by its reader (`_get_own_attempt`, through
`Attempt.objects.of_reader`); anyone else at its URL gets the case's unknown page.
"""

import csv

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from attempts import progress, scheduling
from attempts.forms import AnswerForm, ConfirmGradeForm
from attempts.models import Attempt
from cases import views as case_views
from cases.models import Case
from cases.workflows import ACADEMIC, present

STEPS = ("findings", "all")  # what the answer page shows: findings first, then everything


def _onward(request):
    """Where the reader goes on to from the answer page (`next`: the following case of a set
    being replayed), if it is a page of this site; else ""."""
    url = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and safe else ""


def _onward_query(url, request, **params):
    """url with params and the onward page, when there is one."""
    onward = _onward(request)
    query = urlencode({**params, **({"next": onward} if onward else {})})
    return f"{url}?{query}" if query else url


def _get_own_attempt(request, pk, attempt_pk):
    """The reader's own attempt at this published case, or None for anyone else."""
    return Attempt.objects.of_reader(request.user).filter(case=pk, pk=attempt_pk).first()


@require_POST
@login_required
def commit(request, pk):
    """Record the answer (final) and go to its answer page. Before this, nothing says whether an
    answer is right: the grade exists only on the attempt."""
    cases = Case.objects.published().prefetch_related("differentials", "accepted_answers")
    case = get_object_or_404(cases, pk=pk)
    form = AnswerForm(request.POST, reader=request.user, case=case)
    if not form.is_valid():
        context = {"workflow": ACADEMIC, "form": form, "case_url": case.get_absolute_url(ACADEMIC)}
        return render(request, "attempts/refused.html", context, status=400)
    attempt = form.save()
    scheduling.reschedule(request.user, case.pk)
    return redirect(_onward_query(attempt.get_absolute_url(), request))


@require_GET
def answer(request, pk, attempt_pk):
    attempt = _get_own_attempt(request, pk, attempt_pk)
    if attempt is None:
        return case_views.detail(request, ACADEMIC, pk)  # the unknown, as anyone may see it
    step = request.GET.get("show") if request.GET.get("show") in STEPS else STEPS[0]
    case = case_views.get_published_case(pk)
    studies = case.studies.all()
    context = {
        "workflow": ACADEMIC,
        "attempt": attempt,
        "step": step,
        # The images without their captions until the diagnosis is shown: a caption may name it.
        "unknown": present(case, ACADEMIC, studies=studies),
        "case": present(case, ACADEMIC, studies=studies, reveal=True),
        "form": ConfirmGradeForm(instance=attempt),
        "onward": _onward(request),
    }
    return render(request, "attempts/answer.html", context)


@require_GET
@login_required
def review_due(request):
    """One of the reader's cases due for review, drawn at random (the homepage's button)."""
    pk = scheduling.draw_due(request.user)
    if pk is None:
        return render(request, "attempts/nothing_due.html", {"workflow": ACADEMIC}, status=404)
    return redirect(reverse("cases:detail", args=[ACADEMIC, pk]))


@require_POST
def confirm_grade(request, pk, attempt_pk):
    """The reader's own grade for the attempt, which then counts instead of the automatic one."""
    attempt = _get_own_attempt(request, pk, attempt_pk)
    if attempt is None:
        return case_views.detail(request, ACADEMIC, pk)
    form = ConfirmGradeForm(request.POST, instance=attempt)
    if form.is_valid():
        form.save()
        scheduling.reschedule(request.user, attempt.case_id)
    return redirect(_onward_query(attempt.get_absolute_url(), request, show="all"))


# --- progress (attempts/progress.py) ------------------------------------------------------------
#
# Access: a reader's progress is seen by that reader and by faculty only (`_get_progress_reader`,
# through `progress.may_see_progress`); anyone else gets 403. Anonymous readers are sent to log
# in, whether or not the site requires it (REQUIRE_LOGIN).


def _get_progress_reader(request, reader_pk):
    """The reader whose progress this is, if the one asking may see it; else 403."""
    reader = get_object_or_404(get_user_model(), pk=reader_pk)
    if not progress.may_see_progress(request.user, reader):
        raise PermissionDenied
    return reader


def _progress_page(request, reader, own):
    context = {
        "workflow": ACADEMIC,
        "reader": reader,
        "own": own,
        "faculty": progress.is_faculty(request.user),
        "figures": progress.figures(reader),
    }
    return render(request, "attempts/progress.html", context)


def _progress_csv(reader):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"progress-{reader.get_username()}.csv"
    )
    patch_cache_control(response, private=True)
    writer = csv.writer(response)
    writer.writerow(progress.EXPORT_HEADER)
    writer.writerows(progress.export_rows(reader))
    return response


@require_GET
@login_required
def my_progress(request):
    return _progress_page(request, _get_progress_reader(request, request.user.pk), own=True)


@require_GET
@login_required
def my_progress_csv(request):
    return _progress_csv(_get_progress_reader(request, request.user.pk))


@require_GET
@login_required
def residents(request):
    if not progress.is_faculty(request.user):
        raise PermissionDenied
    context = {"workflow": ACADEMIC, "rows": progress.overview(list(progress.residents()))}
    return render(request, "attempts/progress_residents.html", context)


@require_GET
@login_required
def reader_progress(request, reader_pk):
    reader = _get_progress_reader(request, reader_pk)
    return _progress_page(request, reader, own=reader.pk == request.user.pk)


@require_GET
@login_required
def reader_progress_csv(request, reader_pk):
    return _progress_csv(_get_progress_reader(request, reader_pk))
