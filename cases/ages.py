"""Patient age: stored as a number and a unit, filtered by age group on a common scale (days)."""

DAYS_PER_UNIT = {"D": 1, "W": 7, "M": 30.4375, "Y": 365.25}

# (key, label, first day, first day past the group). Pediatric spans several groups so a
# resident can ask for "any pediatric case" as well as "infants".
AGE_GROUPS = [
    ("neonate", "Neonate (under 4 weeks)", 0, 28),
    ("infant", "Infant (under 1 year)", 0, 365),
    ("child", "Child (1–12 years)", 365, 13 * 365 + 3),
    ("adolescent", "Adolescent (13–17 years)", 13 * 365 + 3, 18 * 365 + 4),
    ("pediatric", "Pediatric (under 18 years)", 0, 18 * 365 + 4),
    ("adult", "Adult (18–64 years)", 18 * 365 + 4, 65 * 365 + 16),
    ("older", "Older adult (65 years and over)", 65 * 365 + 16, None),
]
AGE_GROUP_CHOICES = [(key, label) for key, label, _, _ in AGE_GROUPS]


def age_in_days(value, unit):
    if value is None or not unit:
        return None
    return int(value * DAYS_PER_UNIT[unit])


def age_group_range(key):
    """(first day, first day past) of an age group, the upper bound None for open-ended."""
    for group, _, low, high in AGE_GROUPS:
        if group == key:
            return low, high
    raise KeyError(key)
