"""The case of the day's pages: its block on the homepage (cases/views.py asks block_html) and
the archive of past days. Both are rendered once per workflow, content version and day, and
cached (cases/caching.py); what a day shows is asked of the database on every request
(picking.case_of_the_day), so a withdrawn case is gone at once and midnight moves the day."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie

from cases import results
from cases.caching import content_version, fetch
from cases.daily import picking
from cases.models import Case, CaseOfTheDay, Study
from cases.workflows import get_workflow, present

DAYS_PER_PAGE = 30


def block_html(version, workflow, day, pk):
    """The homepage's block for the day's case: in academic an unknown (history, demographics,
    a thumbnail readers may see), in standard also its title and diagnosis."""

    def render_block():
        cases = Case.objects.published().for_cards("history", "diagnosis")
        case = _with_readable_cover(cases).filter(pk=pk).first()
        if case is None:  # unpublished since it was asked for
            return "", True
        context = {"case": day_view(case, workflow), "day": day, "workflow": workflow}
        return render_to_string("cases/_daily.html", context), True

    key = f"cases:daily:block:{workflow}:{version}:{day.isoformat()}:{pk}"
    return results.html(fetch(key, render_block)[0])


def day_view(case, workflow):
    """The CaseView of a day's case. The diagnosis is added only where present() gave the
    answer (standard): the block and the feed say it, an academic one never."""
    view = present(case, workflow)
    if view.revealed:
        view.diagnosis = case.diagnosis
    if not getattr(case, "cover_readable", False):
        view.cover_url = ""
    return view


def _with_readable_cover(cases):
    """Whether each case's cover is an image readers may see (viewer's for_readers), which the
    thumbnail of the block and the archive needs."""
    readable = Study.image_model().objects.for_readers().filter(pk=OuterRef("cover_image_id"))
    return cases.annotate(cover_readable=Exists(readable))


def past_days(day):
    """The days before `day` whose case is published now, newest first, with what their cards
    show: one query for the days, one for their studies, whatever their number."""
    cases = _with_readable_cover(Case.objects.all())
    studies = Study.objects.select_related("modality")
    return (
        CaseOfTheDay.objects.shown()
        .before(day)
        .prefetch_related(
            Prefetch(
                "case",
                cases.select_related("anatomy", "category", "author").prefetch_related(
                    Prefetch("studies", studies)
                ),
            )
        )
    )


@require_GET
@vary_on_cookie
def archive(request, workflow):
    """Past days and their cases, newest first, a page of DAYS_PER_PAGE at a time, each linking
    to its case in the workflow (an unknown in academic)."""
    workflow = get_workflow(request, workflow)
    day, page_number = picking.today(), results.page_number(request.GET.get("page"))
    key = f"cases:daily:archive:{workflow}:{content_version()}:{day.isoformat()}:{page_number}"

    def render_list():
        page = Paginator(past_days(day), DAYS_PER_PAGE).get_page(page_number)
        days = [(row.date, day_view(row.case, workflow)) for row in page.object_list]
        context = {"workflow": workflow, "page": page, "days": days}
        return render_to_string("cases/_daily_archive.html", context), True

    context = {"workflow": workflow, "archive": results.html(fetch(key, render_list)[0])}
    return render(request, "cases/daily_archive.html", context)


def recent_days(day, count):
    """The day and the days before it whose case is published now, newest first (the feed)."""
    return past_days(day + timedelta(days=1))[:count]
