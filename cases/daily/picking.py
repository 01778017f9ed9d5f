"""Which case a day shows.

A day scheduled by an editor shows its case. Any other day's case is picked from the published
cases that no day within REPEAT_AFTER_DAYS shows (shown before, or scheduled for later): the
first at or after a point on random_key that a hash of the date gives, wrapping round, so one
range scan on the index case_random_id, however many cases there are. The same date gives the
same point on every worker and after a restart (no process's random state or Python's salted
hash() takes part). When every published case is near, the one shown least recently is shown.

The pick is recorded, on the first request that asks for the day: the 180-day rule and the
archive need the days actually shown, and rebuilding them would mean replaying every earlier
day's pick (each depends on the ones before); a recorded day also stays the same when a case is
published later that day, which would move the pick. Recording only when asked writes nothing
for days no one visits, and needs no scheduled job.

A day whose case was returned to draft since is not shown: its row is kept (the editor's
choice, shown again if the case is published again that day) and the day falls back to the
automatic pick, made afresh on each request and not recorded (the day has its row)."""

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from cases.models import Case, CaseOfTheDay


def today():
    """The site's date now: the day changes at midnight in settings.TIME_ZONE."""
    return timezone.localdate()


def point_of(day):
    """A number in [0, 1) that depends on the date alone."""
    digest = hashlib.sha256(f"case-of-the-day:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def case_of_the_day(day):
    """The id of the published case the day shows, or None when nothing is published. One
    query once the day is recorded; its first request also picks and records it."""
    row = CaseOfTheDay.objects.filter(date=day).values_list("case_id", "case__status").first()
    if row is None:
        return _record(day, pick(day))
    case_id, status = row
    return case_id if status == Case.Status.PUBLISHED else pick(day)


def pick(day):
    """The automatic pick of the day (module docstring): one or two indexed queries, a third
    only when every published case is near."""
    found = candidates(day).drawn_at(point_of(day))
    return found if found is not None else _least_recently_shown(day)


def candidates(day):
    """Ids of the published cases no day near this one shows, in the order of the index
    case_random_id (status, random_key, id), which drawn_at() reads."""
    near = CaseOfTheDay.objects.near(day).filter(case=OuterRef("pk"))
    unshown = Case.objects.published().filter(~Exists(near))
    return unshown.order_by("random_key", "id").values_list("pk", flat=True)


def _least_recently_shown(day):
    """Every published case is near the day: the one shown longest ago (never shown, only
    scheduled later, first). Reached only with fewer published cases than days recorded near
    the day (a few hundred), so the aggregate stays small."""
    last = Max("days__date", filter=Q(days__date__lt=day))
    ordered = Case.objects.published().annotate(last=last)
    ordered = ordered.order_by(F("last").asc(nulls_first=True), "random_key", "id")
    return ordered.values_list("pk", flat=True).first()


def _record(day, case_id):
    """Record the day's automatic pick; a worker that raced this one recorded the same one."""
    if case_id is None:
        return None
    try:
        with transaction.atomic():
            CaseOfTheDay.objects.create(date=day, case_id=case_id)
    except IntegrityError:
        return case_of_the_day(day)  # recorded meanwhile, maybe by an editor
    return case_id
