"""Editorial review in the admin (docs/review.md): contributors submit drafts, editors publish
them or return them with a comment, from a queue of cases awaiting review.

The case admin (cases/admin.py) offers the actions below and the review page; the queue is its
own entry on the admin index."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from cases.admin_access import ReadOnlyAdmin
from cases.models import Case, CaseAwaitingReview

PUBLISH, RETURN = "publish", "return"


class ReviewForm(forms.Form):
    """An editor's decision on a submitted case: publish it, or return it with a comment."""

    decision = forms.ChoiceField(choices=[(PUBLISH, "Publish"), (RETURN, "Return to draft")])
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text="Shown to the contributor on the case's page and in the list of their cases: "
        "what to change before they submit it again.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == RETURN and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment",
                forms.ValidationError(
                    "Say what the contributor should change.", code="comment_required"
                ),
            )
        return cleaned


def submit_case(model_admin, request, case):
    """Submit one draft for review, or say why not. True when it was submitted."""
    if case.status != Case.Status.DRAFT:
        model_admin.message_user(request, f"{case.number} is not a draft.", messages.WARNING)
        return False
    problems = case.publishing_problems()
    if problems:
        problems = "; ".join(problems)
        model_admin.message_user(
            request, f"{case.number} was not submitted: {problems}.", messages.ERROR
        )
        return False
    case.submit(request.user)
    return True


def publish_case(model_admin, request, case):
    """Publish one case through review, or say why not. True when it was published."""
    if not case.may_be_published_by(request.user):
        model_admin.message_user(
            request,
            f"{case.number} was not published: it is a draft its contributor has not submitted "
            "for review.",
            messages.ERROR,
        )
        return False
    problems = case.publishing_problems()
    if problems:
        problems = "; ".join(problems)
        model_admin.message_user(
            request, f"{case.number} was not published: {problems}.", messages.ERROR
        )
        return False
    case.publish()
    return True


@admin.action(description="Submit selected drafts for review", permissions=["change"])
def submit(model_admin, request, queryset):
    submitted = sum(submit_case(model_admin, request, case) for case in queryset)
    if submitted:  # a refusal says so itself: no "0 submitted" beside it
        model_admin.message_user(
            request, f"Submitted {submitted} case(s) for review.", messages.SUCCESS
        )


@admin.action(description="Publish selected cases", permissions=["publish"])
def publish(model_admin, request, queryset):
    cases = queryset.exclude(status=Case.Status.PUBLISHED)
    published = sum(publish_case(model_admin, request, case) for case in cases)
    if published:
        model_admin.message_user(request, f"Published {published} case(s).", messages.SUCCESS)


@admin.action(description="Return selected cases to draft", permissions=["publish"])
def unpublish(model_admin, request, queryset):
    returned = 0
    for case in queryset.exclude(status=Case.Status.DRAFT):
        case.status = Case.Status.DRAFT
        case.save()
        returned += 1
    if returned:
        model_admin.message_user(request, f"Returned {returned} case(s) to draft.")


def review_view(model_admin, request, object_id):
    """An editor's page for one submitted case: what it is, links to its preview and history,
    and the decision."""
    if not request.user.has_perm("cases.publish_case"):
        raise PermissionDenied
    case = get_object_or_404(Case.objects.select_related("author", "submitted_by"), pk=object_id)
    form = ReviewForm(request.POST or None)
    if not case.is_submitted:
        model_admin.message_user(request, f"{case.number} is not awaiting review.")
        return HttpResponseRedirect(case.get_admin_url())
    if request.method == "POST" and form.is_valid():
        return _decide(model_admin, request, case, form.cleaned_data)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Review {case.number}: {case.title}",
        "opts": Case._meta,
        "case": case,
        "form": form,
        "problems": case.publishing_problems(),
    }
    return TemplateResponse(request, "admin/cases/case/review.html", context)


def _decide(model_admin, request, case, decision):
    if decision["decision"] == RETURN:
        case.return_to_contributor(request.user, decision["comment"].strip())
        model_admin.message_user(request, f"{case.number} was returned to its contributor.")
    elif publish_case(model_admin, request, case):
        model_admin.message_user(request, f"{case.number} was published.", messages.SUCCESS)
    else:
        return HttpResponseRedirect(request.path)
    return HttpResponseRedirect(reverse("admin:cases_caseawaitingreview_changelist"))


def review_state(case):
    """Where a case stands in review, in words for its contributor."""
    if case.is_submitted:
        by = f" by {case.submitted_by}" if case.submitted_by else ""
        return f"Awaiting review since {case.submitted_at:%Y-%m-%d %H:%M}{by}."
    if case.review_comment:
        return format_html(
            "Returned by {} on {}: <q class=\"review-comment\">{}</q>",
            case.returned_by or "an editor",
            f"{case.returned_at:%Y-%m-%d}" if case.returned_at else "",
            case.review_comment,
        )
    return ""


@admin.register(CaseAwaitingReview)
class ReviewQueueAdmin(ReadOnlyAdmin):
    """The editors' queue: each submitted case, the longest waiting first, with who submitted it
    and when; each opens its review page."""

    list_display = ["review_link", "author", "submitted_by", "submitted_at", "anatomy"]
    list_display_links = None
    list_select_related = ["author", "submitted_by", "anatomy"]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).awaiting_review()

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("cases.publish_case")

    @admin.display(description="Case")
    def review_link(self, case):
        url = reverse("admin:cases_case_review", args=[case.pk])
        return format_html('<a href="{}">{}: {}</a>', url, case.number, case.title)
