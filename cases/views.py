import random
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_cookie

from accounts.reading import SessionRead
from attempts import difficulty, opening, scheduling
from attempts.forms import AnswerForm
from cases import estimates, handouts, paging, results, reveals, search, slides, slots
from cases.caching import (
    cached,
    content_and_counts_versions,
    content_version,
    content_version_and_published,
    fetch,
    last_version_read,
)
from cases.counts import authored
from cases.counts import reading as counted
from cases.daily import picking
from cases.daily.views import block_html
from cases.facets import TOP_TAGS
from cases.forms import BrowseForm, MemoryForm
from cases.links import ID, reverse_with_id
from cases.memory import draw as draw_remembered
from cases.memory import marks_of, with_version
from cases.models import Case, Study
from cases.statistics import repository_statistics
from cases.workflows import (
    ACADEMIC,
    COOKIE,
    STANDARD,
    WORKFLOWS,
    card,
    get_workflow,
    may_use_standard,
    present,
)

REMEMBER_SECONDS = 365 * 24 * 3600


def get_published_case(pk):
    """A published case with all it shows, or 404: drafts exist only in the admin (and in their
    editors' preview). Its studies hold only the images readers may see (the page, handouts)."""
    return get_object_or_404(Case.objects.for_readers(), pk=pk)


def _get_previewed_case(request, pk):
    """A case that is not published, for staff who may edit it (the admin's "View on site"),
    with every image it holds, those awaiting confirmation too; 404 for anyone else."""
    case = get_object_or_404(Case.objects.showing(Study.image_model().objects.all()), pk=pk)
    if not case.is_in_admin_of(request.user):
        raise Http404("No such case")
    return case


def _remember(request, response, workflow):
    """Remember the visitor's workflow for the homepage's next visit (pages never vary by it).
    Only when it changes: a reader who stays in one workflow is not sent the same cookie with
    every page, and it lasts a year from their last change of workflow."""
    if request.COOKIES.get(COOKIE) != workflow:
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
    remembered = remembered if remembered in WORKFLOWS else ""
    workflow = remembered or ACADEMIC
    if workflow == STANDARD and not may_use_standard(request.user):
        workflow = ACADEMIC  # remembered from before the visitor's access changed
    version = content_version()
    _, pool = _random_pool(version, workflow, {})
    pk = random.choice(pool) if pool else None
    # Asked on every request: the day turns at midnight, a withdrawn case goes at once.
    day = picking.today()
    daily_pk = picking.case_of_the_day(day)
    # The reader's own: counted for each request, never part of a cached page (an anonymous
    # reader, whose whole page is cached, has none).
    due = scheduling.due_reviews(request.user).count() if request.user.is_authenticated else None

    def render_page(shell):
        context = {
            "statistics": repository_statistics(version),
            "workflow": workflow,
            "remembered": remembered,
            "card": _card_html(version, workflow, pk) if pk else None,
            "daily": block_html(version, workflow, day, daily_pk) if daily_pk else None,
            "due": due,
            **shell,
        }
        return render_to_string("cases/home.html", context, request), True

    key = results.home_key(version, workflow, remembered, pk, day, daily_pk)
    return HttpResponse(_page(request, key, render_page, shared=due is None).fill(request))


def _card_html(version, workflow, pk):
    """A case's card, rendered once per workflow and version."""

    def render_card():
        case = Case.objects.published().for_cards().filter(pk=pk).first()
        view = card(case, workflow) if case else None  # None: unpublished since the draw
        return render_to_string("cases/_card.html", {"card": view}) if view else "", True

    return results.html(fetch(results.card_key(version, workflow, pk), render_card)[0])


def _random_pool(version, workflow, params):
    """(query string, ids of up to POOL_SIZE cases the filters select, drawn at random)."""

    def draw():
        form = BrowseForm(params, workflow)
        return (form.querystring(), results.draw_pool(form.filter(Case.objects.published()))), True

    key = results.pool_key(version, workflow, params)
    return fetch(key, draw, results.POOL_SECONDS)[0]


@require_GET
@vary_on_cookie
def browse(request, workflow):
    workflow = get_workflow(request, workflow)
    page = results.page_number(request.GET.get("page"))
    academic = workflow == ACADEMIC
    # The reader's own filter, read without its form, which only a page rendered needs.
    chosen = MemoryForm.chosen(request.GET, request.user) if academic else ""
    if academic and not chosen:
        served = _marked_on_guess(request, page)
        if served is not None:
            return _remember(request, HttpResponse(served), workflow)
    version, counts_version = content_and_counts_versions()
    key = results.browse_key(version, workflow, request.GET, page)

    def render_results(memory):
        form = BrowseForm(request.GET, workflow, memory, _listed_terms(version))
        context = _results_context(form, workflow, page, counts_version)
        fragment = render_to_string(results.BROWSE_TEMPLATE, context)
        return fragment, form.is_valid()  # a form's errors are this reader's own: never cached

    def render_page(shell):
        memory = MemoryForm(request.GET, request.user) if academic else None
        if chosen:  # this reader's own results: never shared (cases/memory.py)
            fragment, kept = render_results(memory)[0], False
        else:
            fragment, kept = fetch(key, lambda: render_results(memory))
        shown = memory if request.user.is_authenticated else None
        context = {"workflow": workflow, "results": results.html(fragment), "memory": shown,
                   **shell}  # fmt: skip
        return render_to_string("cases/browse.html", context, request), kept

    page = _page(request, key, render_page)
    marks = marks_of(page.cards, request.user) if academic else None
    return _remember(request, HttpResponse(page.fill(request, marks)), workflow)


def _listed_terms(version):
    """The browse form's options among rows (anatomy, modality, author, category): read once
    per content version for every page, not four queries for each page rendered."""
    return fetch(results.terms_key(version), lambda: (BrowseForm.listed_terms(), True))[0]


def _marked_on_guess(request, page):
    """A logged-in reader's academic browse page with their marks, in one query instead of two
    (the content version, then the marks) when this process holds the page cached under the
    version it read last: the version is read beside the marks, and the page served only if it
    is still that version. Where the session's key names its user, the same query reads the
    session and user (accounts/reading.py), for the cards of the page as any reader's kind of
    it holds them. None otherwise (the guess was wrong: a save since, or not cached; or the
    reader is not who the key says): the page is then served as any other."""
    guess = last_version_read()
    if guess is None:
        return None
    base = results.browse_key(guess, ACADEMIC, request.GET, page)
    read = SessionRead.of(request)
    if read is not None:
        cards = slots.cards_under(base)  # whose kind of page it is, the session tells
        if cards is None:
            return None
        version, marks = with_version(cards, read.pk, read=read)
        if request.user.pk != read.pk:
            return None
    elif not request.user.is_authenticated:
        return None
    shared = _cached_cut(request, base)
    if shared is None:
        return None
    if read is None:
        version, marks = with_version(shared.cards, request.user.pk)
    elif shared.cards != cards:
        return None
    return shared.fill(request, marks) if version == guess else None


def _cached_cut(request, key):
    """The page of this reader's kind under key, cut, as _page() caches it; None when it is
    not cached, or the reader has messages waiting (a page of their own)."""
    if slots.messages_waiting(request):
        return None
    key = slots.shared_key(key, request)
    shared = cached(key)
    return None if shared is None else slots.cut(shared, key)


def _page(request, key, render_page, shared=True):
    """The page, cut at its slots (cases/slots.py: its fill(request, marks) is its HTML):
    render_page(shell) -> (html, keep) renders the cached fragment under key with what is this
    reader's own around it (the header). The page itself is cached too, once per kind of
    reader, with slots for their name and CSRF token, so a hit renders no template, logged in or
    not. A page with something of this reader's alone in it (shared=False: the homepage's due
    count; messages waiting) is rendered for them."""
    if not shared or slots.messages_waiting(request):
        return slots.cut(render_page({})[0])
    key = slots.shared_key(key, request)

    def shared_page():
        html, keep = render_page(slots.CONTEXT)
        return html.encode(), keep  # kept as it is sent: read back without decoding it

    return slots.cut(fetch(key, shared_page)[0], key)


def _results_context(form, workflow, page_number, counts_version):
    """What cases/_browse_results.html shows: a count, a query per facet, the page's cards.
    Filters alone are counted from the counts kept on save (cases/counts/), with an author
    from the author's index (cases/counts/authored.py); a search or a reader's own filter is
    counted up to a bound, then estimated (cases/estimates.py)."""
    published = Case.objects.published()
    found = form.filter(published)
    per_page = settings.CASES_PER_PAGE
    if form.is_valid() and counted.covers(form):
        tallied = _tally(form, workflow, counts_version)
        page = paging.exact_page(found, _cards, page_number, tallied.total, per_page)
        form.show_counts(tallied.facets)
        tags, estimated = tallied.tags, False
    elif form.is_valid() and authored.covers(form):
        page, tags, estimated = _authored(form, workflow, found, published, page_number)
    else:
        page, tags, estimated = _searched(form, workflow, found, published, page_number)
    return {
        "workflow": workflow,
        "form": form,
        "page": page,
        "cards": [_card(case, workflow) for case in page.object_list],
        "querystring": form.querystring(),
        "tags": tags,
        "estimated": estimated or not page.exact,
        "estimate_above": estimates.ESTIMATE_ABOVE,
    }


def _tally(form, workflow, counts_version):
    """The count, facet counts and top tags of filters alone (counts.reading.Tally), which
    every page of these filters shares: summed once per counts version (cases/caching.py) and
    filters (cases/results.py), not once per page nor again after a save that left the counts
    as they were."""

    def count():
        return counted.tally(form, workflow, TOP_TAGS if workflow == STANDARD else 0), True

    return fetch(results.tally_key(counts_version, workflow, form.data), count)[0]


def _searched(form, workflow, found, published, page_number):
    """(the page, the top tags, whether a count is an estimate) of a search or a reader's own
    filter: the count exact up to estimates.ESTIMATE_ABOVE cases, "about" above; each facet
    counted exactly when its cases are that few, else from a sample (estimates.Sampled). The
    cases found are read once (estimates.Found) for the count, the sample and a counted page."""
    per_page = settings.CASES_PER_PAGE
    text = form.search_text()
    matches = estimates.Found(found, form.ordering(), whole_when_few=True)

    def cards_of(ids):
        return _search_cards(_cards(ids), text, workflow)

    if matches.count is not None:
        page = matches.page(cards_of, page_number, per_page)
    else:  # too many to count: all of them in order when they are few enough to read
        page = matches.estimated_page(cards_of, page_number, per_page)
    if page is None:  # many: by OFFSET over the ordering's index
        cards = _search_cards(found.for_cards(), text, workflow)
        estimate = estimates.about(matches.estimate)
        page = paging.estimated_page(cards, page_number, estimate, per_page)
    return (page, *_sampled_facets(form, workflow, published, matches))


def _authored(form, workflow, found, published, page_number):
    """(the page, the top tags, whether a count is an estimate) of an author's cases among
    filters alone: counted exactly and paged as filters alone are, through the author's own
    index (cases/counts/authored.py); the facets sampled as a search's."""
    matches = estimates.Found(found, ())  # no ordering's values: paging reads the page
    count = authored.total(matches)
    page = paging.exact_page(found, _cards, page_number, count, settings.CASES_PER_PAGE)
    return (page, *_sampled_facets(form, workflow, published, matches))


def _sampled_facets(form, workflow, published, matches):
    """(the top tags, whether a count is an estimate), the form's facet counts shown: each
    exact when its cases are few, else counted in a sample (estimates.Sampled)."""
    sampled = estimates.Sampled(form, published, matches)
    form.show_counts(sampled.facet_counts(workflow), missing="~0" if sampled.estimated else 0)
    tags = sampled.top_tags(TOP_TAGS) if workflow == STANDARD else []
    return tags, sampled.estimated


def _cards(ids):
    """The cases with these ids with what a card shows, in any order (paging puts them in the
    ids' order): no ORDER BY to build and sort by."""
    return Case.objects.filter(pk__in=ids).for_cards().order_by()


def _search_cards(cards, text, workflow):
    """Cards (CaseQuerySet.for_cards(), which reads no search vector) with their snippets."""
    return search.with_snippets(cards, text, workflow)


def _card(case, workflow):
    view = card(case, workflow)
    if workflow == ACADEMIC:  # the reader's marks, filled per request (cases/memory.py)
        view.mark_slot = mark_safe(slots.mark(case.pk))
    if workflow == STANDARD:  # academic cards never show a snippet: it would be the answer
        view.snippet = search.snippet_html(getattr(case, "headline", ""))
    return view


@require_GET
@vary_on_cookie
def detail(request, workflow, pk):
    workflow = get_workflow(request, workflow)
    return _remember(request, _render_detail(request, workflow, pk, reveal=False), workflow)


@require_POST
def reveal(request, pk):
    """Remember in the reader's session that they revealed this case's academic answer, then
    show it at its answer URL (cases/reveals.py). A POST so no crawler or prefetch reveals it."""
    get_workflow(request, ACADEMIC)
    case = get_object_or_404(Case.objects.published().only("pk"), pk=pk)
    reveals.remember(request, case.pk)
    url = reverse("cases:answer", args=[case.pk])
    query = request.GET.urlencode()  # the browse filters, for previous and next
    return redirect(f"{url}?{query}" if query else url)


@require_GET
@vary_on_cookie
def answer(request, pk):
    """The answer to a case this reader's session revealed; anyone else gets the unknown."""
    workflow = get_workflow(request, ACADEMIC)
    return _render_detail(request, workflow, pk, reveal=reveals.revealed(request, pk))


def _render_detail(request, workflow, pk, reveal):
    """The case page: its body from the cache (cases/results.py), rendered there once per
    workflow, case, query string, revealed or not, and content version; around it what is this
    reader's own (the header, the reveal form's CSRF token). A case not published is its
    editors' preview, or 404."""
    # Asked before any cached body is served: a case is withdrawn when it turns out to hold
    # something identifying, and its page must go at once even if the change drew no new
    # content version (a queryset update, a restored backup), whatever the cache holds.
    version, published = content_version_and_published(pk, read=SessionRead.of(request))
    if not published:
        return _render_preview(request, workflow, pk, reveal)
    key = results.case_key(version, workflow, pk, request.GET, reveal)

    def render_body():
        case = get_published_case(pk)
        form = BrowseForm(request.GET, workflow)
        previous, following = form.filter(Case.objects.published()).neighbours(
            case, form.ordering()
        )
        view, body = _case_body(
            case, workflow, reveal, slots.CSRF_SLOT, querystring=form.querystring(),
            previous=previous.pk if previous else None,
            following=following.pk if following else None,
        )
        return (view.heading, body), form.is_valid()  # a form's errors: never cached

    def render_page(shell):
        (heading, body), kept = fetch(key, render_body)
        context = {"workflow": workflow, "heading": heading, "body": results.html(body), "pk": pk,
                   **shell}  # fmt: skip
        return render_to_string("cases/detail.html", context, request), kept

    # The answer or reveal form of an unrevealed academic body takes the reader's CSRF token in
    # the same slot as the header's (cases/slots.py).
    page = opening.fill(_page(request, key, render_page).fill(request), request, pk)
    return HttpResponse(difficulty.fill(page, pk))  # standard only, outside the cached body


def _case_body(case, workflow, reveal, csrf_token, querystring="", previous=None, following=None):
    """(the CaseView, the HTML of cases/_case.html): the case page's body, published or previewed.
    csrf_token is the slot a cached body is filled with per reader, or the reader's own token."""
    view = present(case, workflow, studies=case.studies.all(), reveal=reveal)
    context = {
        "workflow": workflow,
        "case": view,
        "querystring": querystring,
        "previous": previous,
        "next": following,
        "csrf_token": csrf_token,
        "answer_form": AnswerForm(auto_id="answer-%s"),
    }
    return view, render_to_string("cases/_case.html", context)


def _render_preview(request, workflow, pk, reveal):
    """The page a draft will have once published, for its editors: rendered afresh each time,
    never cached, never stored by the browser, under a banner saying what it is."""
    case = _get_previewed_case(request, pk)
    view, body = _case_body(case, workflow, reveal, get_token(request))
    context = {"workflow": workflow, "heading": view.heading, "body": mark_safe(body),
               "preview": case}  # fmt: skip
    response = HttpResponse(render_to_string("cases/detail.html", context, request))
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def random_case(request, workflow):
    """A case drawn from this minute's pool of the filters' cases (cases/results.py); with the
    reader's own filter (unseen, missed, due), drawn for this reader alone in one indexed query."""
    workflow = get_workflow(request, workflow)
    alone = BrowseForm.is_blank(request.GET, workflow)  # no filter but the reader's own, if any
    read, drawn = _drawn_with_session(request, workflow) if alone else (None, None)
    # The reader's own filter, read without its form: only a draw with other filters needs one.
    chosen = MemoryForm.chosen(request.GET, request.user) if workflow == ACADEMIC else ""
    if chosen and alone:
        # The reader's filter alone, as the homepage and browse offer it: its written-out draw.
        if read is None or request.user.pk != read.pk:
            drawn = draw_remembered(request.user.pk, chosen)
        querystring, pool = urlencode({"memory": chosen}), [drawn] if drawn else []
    elif chosen:
        form = BrowseForm(request.GET, workflow, MemoryForm(request.GET, request.user))
        # Only the id: the rest of a case row is wide (texts, search vectors) and not needed.
        case = form.filter(Case.objects.published()).only("pk").random_one()
        querystring, pool = form.querystring(), [case.pk] if case else []
    else:
        querystring, pool = _random_pool(content_version(), workflow, request.GET)
    if not pool:
        return render(
            request,
            "cases/random_empty.html",
            {"workflow": workflow, "querystring": querystring, "chosen": chosen},
            status=404,
        )
    url = reverse_with_id("cases:detail", (workflow, ID), random.choice(pool))
    # A URL, not redirect()'s view name: that would first try (and fail) to reverse it.
    response = HttpResponseRedirect(f"{url}?{querystring}" if querystring else url)
    return _remember(request, response, workflow)


def _drawn_with_session(request, workflow):
    """(the SessionRead, the case drawn) of a draw with the reader's filter alone (no other)
    where the session's key names its user: the draw's statement reads the session and user too
    (accounts/reading.py), and holds only if the reader is who the key says. (None, None)
    otherwise."""
    asked = MemoryForm.asked(request.GET) if workflow == ACADEMIC else ""
    if not asked:
        return None, None
    read = SessionRead.of(request)
    return (read, draw_remembered(read.pk, asked, read=read)) if read else (None, None)


# --- PDF handouts (cases/handouts.py) ---------------------------------------------------------


@require_GET
def handout(request, workflow, pk):
    """The case as a printable PDF, in the workflow it is read in: an academic one is an unknown."""
    workflow = get_workflow(request, workflow)
    _check_published(pk)
    paper = handouts.get_paper(request)
    name = handouts.stored(request, pk, workflow, paper, get_published_case)
    return handouts.attachment(name, handouts.filename(pk, workflow, paper))


@require_GET
def handout_pair(request, pk):
    """For a conference: the unknown, then the answer key. Standard only: it holds the answer."""
    get_workflow(request, STANDARD)
    _check_published(pk)
    paper = handouts.get_paper(request)
    name = handouts.stored(request, pk, handouts.PAIR, paper, get_published_case)
    return handouts.attachment(name, handouts.filename(pk, handouts.PAIR, paper))


@require_GET
def case_slides(request, workflow, pk):
    """The case as a .pptx deck: academic, its unknown slide alone; standard, then its answer."""
    workflow = get_workflow(request, workflow)
    case = get_object_or_404(Case.objects.published(), pk=pk)
    part = slides.BOTH if workflow == STANDARD else slides.UNKNOWNS
    deck = slides.deck([case], title=present(case, workflow).heading, part=part)
    response = HttpResponse(deck, content_type=slides.CONTENT_TYPE)
    # Built from ids only, as a handout's name is.
    response["Content-Disposition"] = f'attachment; filename="case-{pk}-{workflow}.pptx"'
    patch_cache_control(response, private=True)
    return response


def _check_published(pk):
    """One indexed row, not the case with all it shows: a handout made already needs no more."""
    if not Case.objects.published().filter(pk=pk).exists():
        raise Http404("No such case")
