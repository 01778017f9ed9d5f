from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()

MINUTE, HOUR, DAY = 60, 3600, 86400


def distance_in_words(seconds):
    """How long ago, in the words a person would use: "about 2 hours", "over 10 years"."""
    minutes = round(seconds / MINUTE)
    if minutes < 1:
        return "less than a minute"
    if minutes < 45:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    if minutes < 90:
        return "about 1 hour"
    if seconds < DAY:
        return f"about {round(seconds / HOUR)} hours"
    days = round(seconds / DAY)
    if days < 2:
        return "1 day"
    if days < 30:
        return f"{days} days"
    if days < 60:
        return f"about {1 if days < 45 else 2} month{'s' * (days >= 45)}"
    if days < 365:
        return f"{round(days / 30)} months"
    return _years(days)


def _years(days):
    years, rest = divmod(days, 365.25)
    years = int(years)
    if rest < 91:
        return f"about {years} year{'s' * (years != 1)}"
    if rest < 274:
        return f"over {years} year{'s' * (years != 1)}"
    return f"almost {years + 1} years"


@register.simple_tag
def time_ago(moment):
    """<time> with the distance as text and the exact date and time on hover."""
    if moment is None:
        return ""
    seconds = max(0, (timezone.now() - moment).total_seconds())
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{} ago</time>',
        local.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        distance_in_words(seconds),
    )


@register.simple_tag(takes_context=True)
def with_query(context, url, querystring=None):
    """url followed by the browse query string (filters and sort), when there is one."""
    querystring = context.get("querystring", "") if querystring is None else querystring
    return f"{url}?{querystring}" if querystring else url
