from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_cookie

from cases import handouts, results, search
from cases.facets import facet_counts, top_tags
from cases.forms import BrowseForm
from cases.models import Case, Study
from cases.statistics import repository_statistics
from cases.workflows import (
    ACADEMIC,
    COOKIE,
    STANDARD,
    WORKFLOWS,
    get_workflow,
    may_use_standard,
    present,
)
from viewer.models import Image

REMEMBER_SECONDS = 365 * 24 * 3600


def _get_published_case(pk):
    """A published case with all it shows, or 404: drafts exist only in the admin."""
    images = Image.objects.order_by("series__position", "position", "id")
    studies = Study.objects.select_related("modality").prefetch_related(Prefetch("images", images))
    queryset = (
        Case.objects.published()
        .select_related("anatomy", "category", "author")
        .prefetch_related(Prefetch("studies", studies), "differentials", "references", "tags")
    )
    return get_object_or_404(queryset, pk=pk)


def _remember(response, workflow):
    """Remember the visitor's workflow for the homepage's next visit (pages never vary by it)."""
    response.set_cookie(
        COOKIE, workflow, max_age=REMEMBER_SECONDS, samesite="Lax", secure=not settings.DEBUG
    )
    return response


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """For a load balancer's health check: the app answers. Touches no database or cache, so it
    is also the floor of the stack the load benchmark compares every page with."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@vary_on_cookie
def home(request):
    remembered = request.COOKIES.get(COOKIE)
    workflow = remembered if remembered in WORKFLOWS else ACADEMIC
    if workflow == STANDARD and not may_use_standard(request.user):
        workflow = ACADEMIC  # remembered from before the visitor's access changed
    case = Case.objects.published().for_cards().random_one()
    return render(
        request,
        "cases/home.html",
        {
            "statistics": repository_statistics(),
            "workflow": workflow,
            "remembered": remembered if remembered in WORKFLOWS else "",
            "card": present(case, workflow) if case else None,
        },
    )


@require_GET
def browse(request, workflow):
    workflow = get_workflow(request, workflow)
    page = results.page_number(request.GET.get("page"))
    key = results.key(workflow, request.GET, page)
    html = results.cached(key)
    if html is None:
        form = BrowseForm(request.GET, workflow)
        html = render_to_string(results.TEMPLATE, _results_context(form, workflow, page))
        if form.is_valid():  # a form's errors are this reader's own: shown, never cached
            results.store(key, html)
    response = render(request, "cases/browse.html", {"workflow": workflow, "results": html})
    return _remember(response, workflow)


def _results_context(form, workflow, page_number):
    """What cases/_browse_results.html shows: a count, a query per facet, the page's cards."""
    published = Case.objects.published()
    found = form.filter(published)
    form.show_counts(facet_counts(lambda name: form.filter(published, without=name), workflow))
    cards = search.with_snippets(found.for_cards(), form.search_text(), workflow)
    page = Paginator(cards, settings.CASES_PER_PAGE).get_page(page_number)
    return {
        "workflow": workflow,
        "form": form,
        "page": page,
        "cards": [_card(case, workflow) for case in page.object_list],
        "querystring": form.querystring(),
        "tags": top_tags(found) if workflow == STANDARD else [],
    }


def _card(case, workflow):
    card = present(case, workflow)
    if workflow == STANDARD:  # academic cards never show a snippet: it would be the answer
        card.snippet = search.snippet_html(getattr(case, "headline", ""))
    return card


@require_GET
def detail(request, workflow, pk):
    workflow = get_workflow(request, workflow)
    case = _get_published_case(pk)
    return _remember(_render_detail(request, case, workflow, reveal=False), workflow)


@require_POST
def reveal(request, pk):
    """The academic answer, for this case only. A POST so no crawler or prefetch reveals it."""
    workflow = get_workflow(request, ACADEMIC)
    case = _get_published_case(pk)
    return _render_detail(request, case, workflow, reveal=True)


def _render_detail(request, case, workflow, reveal):
    form = BrowseForm(request.GET, workflow)
    previous, following = form.filter(Case.objects.published()).neighbours(
        case, form.ordering()
    )
    return render(
        request,
        "cases/detail.html",
        {
            "workflow": workflow,
            "case": present(case, workflow, studies=case.studies.all(), reveal=reveal),
            "querystring": form.querystring(),
            "previous": previous.pk if previous else None,
            "next": following.pk if following else None,
        },
    )


@require_GET
def random_case(request, workflow):
    workflow = get_workflow(request, workflow)
    form = BrowseForm(request.GET, workflow)
    case = form.filter(Case.objects.published()).random_one()
    if case is None:
        return render(
            request,
            "cases/random_empty.html",
            {"workflow": workflow, "querystring": form.querystring()},
            status=404,
        )
    url = case.get_absolute_url(workflow)
    querystring = form.querystring()
    return _remember(redirect(f"{url}?{querystring}" if querystring else url), workflow)


# --- PDF handouts (cases/handouts.py) ---------------------------------------------------------


@require_GET
def handout(request, workflow, pk):
    """The case as a printable PDF, in the workflow it is read in: an academic one is an unknown."""
    workflow = get_workflow(request, workflow)
    case = _get_published_case(pk)
    paper = handouts.get_paper(request)
    pdf = handouts.render(request, case, workflow, paper)
    return _pdf_response(pdf, handouts.filename(case, workflow, paper))


@require_GET
def handout_pair(request, pk):
    """For a conference: the unknown, then the answer key. Standard only: it holds the answer."""
    get_workflow(request, STANDARD)
    case = _get_published_case(pk)
    paper = handouts.get_paper(request)
    pdf = handouts.render_pair(request, case, paper)
    return _pdf_response(pdf, handouts.filename(case, "pair", paper))


def _pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    patch_cache_control(response, private=True)
    return response
