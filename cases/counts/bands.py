"""Age bands: the age groups (cases/ages.py) overlap (an infant is pediatric too), so cases are
counted per disjoint band between any two of the groups' bounds, and a group is the sum of
the bands it spans."""

from bisect import bisect_right

from cases.ages import AGE_GROUPS

NO_AGE = 0
# Every bound of every group, ascending: band n (from 1) starts at BOUNDS[n - 1].
BOUNDS = sorted({low for _, _, low, _ in AGE_GROUPS} | {high for *_, high in AGE_GROUPS if high})


def band(age_days):
    """The band an age in days falls in (1 to len(BOUNDS)), NO_AGE without an age."""
    if age_days is None:
        return NO_AGE
    return max(1, bisect_right(BOUNDS, age_days))


def bands_of(group):
    """The bands an age group spans, e.g. pediatric: the neonate's to the adolescent's."""
    for key, _, low, high in AGE_GROUPS:
        if key == group:
            return [n for n, start in enumerate(BOUNDS, start=1)
                    if start >= low and (high is None or start < high)]
    raise KeyError(group)


def groups_from(by_band):
    """{age group: count} from {band: count}."""
    return {key: sum(by_band.get(n, 0) for n in bands_of(key)) for key, *_ in AGE_GROUPS}
