"""The Atom feed of the case of the day, per workflow (Django's syndication framework). The
academic feed is an unknown's: its titles, summaries, links and ids hold nothing of
HIDDEN_IN_ACADEMIC, since they are made of the CaseView present() gives the workflow."""

from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, get_tag_uri

from cases.daily import picking
from cases.daily.views import day_view, recent_days
from cases.workflows import STANDARD, get_workflow

DAYS_IN_FEED = 30


class CaseOfTheDayFeed(Feed):
    feed_type = Atom1Feed
    description_template = "cases/daily_feed_entry.html"
    item_guid_is_permalink = False

    def get_object(self, request, workflow):
        """The workflow, if this reader may use it; today's automatic pick is recorded first,
        as the homepage would, so that the feed lists today."""
        workflow = get_workflow(request, workflow)
        day = picking.today()
        picking.case_of_the_day(day)
        return {"workflow": workflow, "day": day, "host": request.get_host()}

    def title(self, obj):
        kind = "" if obj["workflow"] == STANDARD else " (unknown cases)"
        return f"{settings.SITE_NAME}: case of the day{kind}"

    def subtitle(self, obj):
        return "One published teaching case a day."

    def link(self, obj):
        return reverse("cases:daily_archive", args=[obj["workflow"]])

    def items(self, obj):
        rows = recent_days(obj["day"], DAYS_IN_FEED)
        workflow, host = obj["workflow"], obj["host"]
        return [(row.date, day_view(row.case, workflow), host) for row in rows]

    def item_title(self, item):
        day, case, _ = item
        return f"{day:%d %B %Y}: {case.heading}"

    def item_link(self, item):
        return item[1].get_absolute_url()

    def item_guid(self, item):
        """One id per day and workflow: a case shown again on a later day is a new entry."""
        day, case, host = item
        return get_tag_uri(f"https://{host}/{case.workflow}/daily/", _start(day))

    def item_pubdate(self, item):
        return _start(item[0])

    def item_updateddate(self, item):
        return _start(item[0])


def _start(day):
    """Midnight starting the day, in the site's time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
