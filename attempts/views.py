"""Committing an answer to an academic case, and the answer page that follows it.

Access: an attempt is read and confirmed only by its reader (`_get_own_attempt`, through
`Attempt.objects.of_reader`); anyone else at its URL gets the case's unknown page.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from attempts import scheduling
from attempts.forms import AnswerForm, ConfirmGradeForm
from attempts.models import Attempt
from cases import views as case_views
from cases.models import Case
from cases.workflows import ACADEMIC, present

STEPS = ("findings", "all")  # what the answer page shows: findings first, then everything


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
    return redirect(attempt)


@require_GET
def answer(request, pk, attempt_pk):
    attempt = _get_own_attempt(request, pk, attempt_pk)
    if attempt is None:
        return case_views.detail(request, ACADEMIC, pk)  # the unknown, as anyone may see it
    step = request.GET.get("show") if request.GET.get("show") in STEPS else STEPS[0]
    case = case_views.get_published_case(pk)
    context = {
        "workflow": ACADEMIC,
        "attempt": attempt,
        "step": step,
        "unknown": present(case, ACADEMIC),
        "case": present(case, ACADEMIC, studies=case.studies.all(), reveal=True),
        "form": ConfirmGradeForm(instance=attempt),
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
    return redirect(f"{attempt.get_absolute_url()}?show=all")


