"""The published cases counted per combination of facet values (cases/counts/): what browse
pages, their facets and the homepage's statistics read instead of counting cases.

Every published case adds 1 to the row of its anatomy, category, level and age band with
modality 0 and tag 0, and, so that the modality and tag filters and facets can be read
the same way, to the rows with each of its modalities, each of its tags and each pair of them.
A count is then a sum over the few rows that match the filters (a few thousand at 100,000
cases), never a pass over the cases. The author is not a column: with it the rows were nearly
one per case (372,000 at 100,000 cases with 6 authors), and summing them cost what counting
the cases did; a filter by author is counted as a search is (cases/estimates.py). "None" is 0
in every key column (no anatomy, no age), so that the unique key is a plain one on both
databases."""

from django.db import models

NONE = 0
FILTERS = ["anatomy", "category", "difficulty", "age_band"]  # the columns besides modality, tag


class FacetCount(models.Model):
    """How many published cases (and their cleared images) share one combination of facet
    values. Kept by cases/counts/keeping.py in the transaction of each save."""

    modality = models.BigIntegerField(default=NONE)  # Modality id; 0: the case itself
    tag = models.BigIntegerField(default=NONE)  # taggit Tag id; 0: the case itself
    anatomy = models.BigIntegerField(default=NONE)
    category = models.BigIntegerField(default=NONE)
    difficulty = models.CharField(max_length=16)
    age_band = models.SmallIntegerField(default=NONE)  # cases/counts/bands.py; 0: no age
    cases = models.IntegerField(default=0)
    images = models.IntegerField(default=0)  # cleared images, on modality 0 / tag 0 rows

    class Meta:
        constraints = [
            # Led by (modality, tag): every read picks one kind of row (the cases themselves,
            # per modality, per tag) and sums it. The upsert of cases/counts/keeping.py names it.
            models.UniqueConstraint(
                fields=["modality", "tag", "anatomy", "category", "difficulty", "age_band"],
                name="facet_count_key",
            ),
        ]
        # Both indexes hold every filter column and the counts (INCLUDE, PostgreSQL; SQLite
        # builds neither), so that the sums read the index alone: in the table the upserts
        # scattered the rows of one kind over thousands of pages, each read for a few rows.
        indexes = [
            # Totals, the row facets and the tag facet (modality 0 or the modality chosen).
            models.Index(
                fields=["modality", "tag"],
                include=[*FILTERS, "cases", "images"],
                name="facet_count_sums",
            ),
            # The modality facet: every modality's rows (modality > 0) of one tag (0 or the
            # tag chosen). Led by modality, the key would read every pair row with a modality:
            # 36,000 rows at 100,000 cases.
            models.Index(
                fields=["tag", "modality"],
                include=[*FILTERS, "cases"],
                name="facet_count_by_tag",
            ),
        ]


class CountedCase(models.Model):
    """What a published case was last counted as, so that a save takes back exactly what the
    case added before (its old anatomy, modalities, tags...) and adds what it holds now. The
    case id is a plain number, not a foreign key: the row must outlive the case's deletion
    until the delete's own refresh takes its counts back."""

    case_id = models.BigIntegerField(primary_key=True)
    anatomy = models.BigIntegerField(default=NONE)
    category = models.BigIntegerField(default=NONE)
    difficulty = models.CharField(max_length=16)
    age_band = models.SmallIntegerField(default=NONE)
    modalities = models.TextField(blank=True)  # ids, comma-separated, ascending
    tags = models.TextField(blank=True)
    images = models.IntegerField(default=0)
