from django import template
from django.utils import timezone
from django.utils.html import format_html

from cases.dates import datetime_text

register = template.Library()

MINUTE, HOUR, DAY = 60, 3600, 86400


def distance_in_words(seconds):
    """How long ago, in the words a person would use: "about 2 hours", "over 10 years"."""
    minutes, days = round(seconds / MINUTE), round(seconds / DAY)
    if minutes < 1:
        return "less than a minute"
    if minutes < 45:
        return _count(minutes, "minute")
    if minutes < 90:
        return "about 1 hour"
    if seconds < DAY:
        return f"about {round(seconds / HOUR)} hours"
    if days < 30:
        return _count(max(days, 1), "day")
    if days < 60:
        return f"about {_count(1 if days < 45 else 2, 'month')}"
    if days < 365:
        return _count(round(days / 30), "month")
    return _years(days)


def _years(days):
    years, rest = divmod(days, 365.25)
    years = int(years)
    if years == 0 or rest < 91:  # 365 days is a year, not "almost 1 years"
        return f"about {_count(max(years, 1), 'year')}"
    if rest < 274:
        return f"over {_count(years, 'year')}"
    return f"almost {_count(years + 1, 'year')}"


def _count(number, unit):
    return f"{number} {unit}{'s' * (number != 1)}"


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
        datetime_text(local),  # date_format(local, "DATETIME_FORMAT"), faster
        distance_in_words(seconds),
    )


@register.simple_tag(takes_context=True)
def with_query(context, url, querystring=None):
    """url followed by the browse query string (filters and sort), when there is one."""
    querystring = context.get("querystring", "") if querystring is None else querystring
    return f"{url}?{querystring}" if querystring else url
