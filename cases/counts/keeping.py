"""Keeping the counts (cases.models.FacetCount) right, in the transaction of the save that
changes them: recount(ids) compares what each case was counted as (CountedCase) with what it
holds now and adds the difference, a few rows, with one upsert. cases/derived.py calls it for
every case saved, its parts, images and tags, and for deleted cases; generate_cases through
refresh_many(). rebuild() counts every case again (migration 0017, `manage.py recount_cases`
after changes made behind the signals' back, such as a raw UPDATE)."""

from collections import Counter, defaultdict
from itertools import product

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from taggit.models import TaggedItem

from cases.caching import new_counts_version
from cases.counts.bands import band
from cases.models import Case, CountedCase, FacetCount, Study
from cases.models.case import listed_text
from cases.models.counts import NONE

BATCH = 1000
KEY = ("modality", "tag", "anatomy", "category", "difficulty", "age_band")


def recount(ids, list_parts=True):
    """Bring the counts of these cases (published, changed, unpublished or deleted) up to date,
    and with list_parts the parts listed on their rows (Case.listed_modalities)."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        _recount_batch(ids[start:start + BATCH], list_parts)


def rebuild(list_parts=True):
    """Count every case again from nothing. list_parts=False leaves the cases' rows alone, for
    migration 0017, which runs before their listed parts' columns exist (migration 0022)."""
    FacetCount.objects.all().delete()
    CountedCase.objects.all().delete()
    if list_parts:  # the published cases' rows are compared and written by the recount
        Case.objects.exclude(status=Case.Status.PUBLISHED).exclude(
            listed_modalities="", listed_tags="").update(listed_modalities="", listed_tags="")
    new_counts_version()
    recount(Case.objects.published().values_list("pk", flat=True), list_parts)


def _recount_batch(ids, list_parts):
    old = {row.case_id: row for row in CountedCase.objects.filter(case_id__in=ids)}
    new, listed = _as_counted(ids, list_parts)
    if list_parts:
        _list_parts(new, listed, withdrawn=[pk for pk in old if pk not in new])
    changed = [pk for pk in ids if _fields(old.get(pk)) != _fields(new.get(pk))]
    if not changed:
        return
    delta = Counter()
    for pk in changed:
        for sign, row in ((-1, old.get(pk)), (1, new.get(pk))):
            if row is not None:
                for key in entries(row):
                    delta[(*key, "cases")] += sign
                    delta[(*key, "images")] += sign * row.images if key[:2] == (NONE, NONE) else 0
    _add(delta)
    CountedCase.objects.filter(case_id__in=changed).delete()
    CountedCase.objects.bulk_create([new[pk] for pk in changed if pk in new])


def entries(row):
    """The keys (in KEY's order) a counted case adds 1 to: itself, each modality, each tag and
    each pair of the two."""
    scalar = (row.anatomy, row.category, row.difficulty, row.age_band)
    modalities = [NONE, *_ids(row.modalities)]
    tags = [NONE, *_ids(row.tags)]
    return [(m, t, *scalar) for m, t in product(modalities, tags)]


def _as_counted(ids, list_parts=False):
    """({case id: CountedCase (unsaved)} of the cases among ids that are published now, and with
    list_parts {case id: (listed_modalities, listed_tags)} as their rows hold them now)."""
    columns = ["pk", "anatomy_id", "category_id", "difficulty", "age_days"]
    if list_parts:
        columns += ["listed_modalities", "listed_tags"]
    cases = list(Case.objects.published().filter(pk__in=ids).values_list(*columns))
    found = [row[0] for row in cases]
    modalities, tags = defaultdict(set), defaultdict(set)
    studies = Study.objects.filter(case_id__in=found)
    for pk, modality in studies.values_list("case_id", "modality_id"):
        modalities[pk].add(modality)
    tagged = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id__in=found)
    for pk, tag in tagged.values_list("object_id", "tag_id"):
        tags[pk].add(tag)
    images = dict(
        Study.image_model().objects.cleared().filter(study__case_id__in=found)
        .values("study__case_id").annotate(n=Count("pk")).values_list("study__case_id", "n")
    )
    counted = {
        pk: CountedCase(
            case_id=pk, anatomy=anatomy or NONE, category=category or NONE, difficulty=difficulty,
            age_band=band(age_days), modalities=_text(modalities[pk]),
            tags=_text(tags[pk]), images=images.get(pk, 0),
        )
        for pk, anatomy, category, difficulty, age_days, *_ in cases
    }
    return counted, {row[0]: tuple(row[5:]) for row in cases} if list_parts else {}


def _list_parts(counted, listed, withdrawn):
    """Write on each published case's own row the modalities and tags it is counted with
    ({case id: CountedCase}), which the browse filters test there (Case.listed_modalities),
    where the row lists others ({case id: (modalities, tags)} as read): compared on every
    recount, not only when the parts change, because a save of a case read before its parts
    changed writes back the parts it read. The rows of cases counted no more (withdrawn) list
    none. One UPDATE a row to write: most saves write none, and generate_cases writes them with
    its rows."""
    values = [("", "", pk) for pk in withdrawn]
    for pk, row in counted.items():
        wanted = (listed_text(_ids(row.modalities)), listed_text(_ids(row.tags)))
        if listed[pk] != wanted:
            values.append((*wanted, pk))
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Case._meta.db_table} SET listed_modalities = %s, listed_tags = %s "
                "WHERE id = %s", values)


def _fields(row):
    if row is None:
        return None
    return (row.anatomy, row.category, row.difficulty, row.age_band, row.modalities, row.tags,
            row.images)


def _text(ids):
    return ",".join(str(pk) for pk in sorted(ids))


def _ids(text):
    return [int(pk) for pk in text.split(",") if pk]


def _add(delta):
    """Add {(*key, column): amount} to the counts: one INSERT ... ON CONFLICT DO UPDATE (both
    databases), then the rows no case is counted in any more go."""
    sums = defaultdict(lambda: [0, 0])
    for (*key, column), amount in delta.items():
        sums[tuple(key)][column == "images"] += amount
    rows = [(*key, cases, images) for key, (cases, images) in sums.items() if cases or images]
    # Rows locked in one order by every writer, so that two saves (or generate_cases' processes)
    # touching the same counts wait for each other rather than deadlock.
    rows.sort(key=_lock_order)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_ROWS):
            batch = rows[start:start + UPSERT_ROWS]
            cursor.execute(_upsert_sql(len(batch)), [value for row in batch for value in row])
        if any(cases < 0 for *_, cases, _ in rows):
            cursor.execute(f"DELETE FROM {FacetCount._meta.db_table} WHERE cases <= 0")
    if rows:
        new_counts_version()


def _lock_order(row):
    return [(True, 0) if value is None else (False, value) for value in row[:len(KEY)]]


UPSERT_ROWS = 1000  # 9 parameters a row: within SQLite's and PostgreSQL's limits


def _upsert_sql(count):
    table = FacetCount._meta.db_table
    row = "(" + ", ".join(["%s"] * (len(KEY) + 2)) + ")"
    return (
        f"INSERT INTO {table} ({', '.join((*KEY, 'cases', 'images'))}) "
        f"VALUES {', '.join([row] * count)} "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
        f"cases = {table}.cases + excluded.cases, images = {table}.images + excluded.images"
    )
