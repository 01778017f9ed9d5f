"""cases.dates.datetime_text() writes what date_format(value, "DATETIME_FORMAT") writes, for
every minute of a day, every day of a leap year and more, in several languages and formats."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.formats import date_format, get_format

from cases.dates import READS, datetime_text

LANGUAGES = ["en-us", "en-gb", "de", "fr", "es", "pt-br", "ja"]
ZONE = ZoneInfo("America/New_York")


def _minutes_of_a_day():
    start = datetime(2024, 3, 10, tzinfo=ZONE)  # the day New York's clocks go forward
    return [start + timedelta(minutes=n) for n in range(24 * 60)]


def _days_of_years():
    start = datetime(2023, 12, 25, 12, 30, tzinfo=UTC)
    return [start + timedelta(days=n, hours=n % 24, minutes=n % 60) for n in range(800)]


def _assert_same(moments):
    for moment in moments:
        assert datetime_text(moment) == date_format(moment, "DATETIME_FORMAT"), moment


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_writes_every_minute_of_a_day_as_date_format_does(language):
    with translation.override(language):
        _assert_same(_minutes_of_a_day())


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_writes_every_day_of_a_leap_year_as_date_format_does(language):
    with translation.override(language):
        _assert_same(_days_of_years())


@pytest.mark.parametrize(
    "format_string",
    [
        "".join(READS),  # every character it keeps texts for, side by side
        r"l jS \o\f F Y, g:i:s A",  # escaped letters, literal text
        "D d M y, H:i a, b E n m N w L h G f P",
        r"\\Y Y",  # an escaped backslash, then a character
        "c",  # ISO 8601: through date_format(), as every character READS does not know
        "N j, Y, P e O T Z I U r u o W t z",
    ],
)
def test_it_writes_any_datetime_format_as_date_format_does(settings, format_string):
    settings.DATETIME_FORMAT = format_string
    with translation.override(None):  # the settings' format, not a language's
        assert get_format("DATETIME_FORMAT") == format_string
        _assert_same(_minutes_of_a_day()[::7] + _days_of_years()[::3])


def test_a_language_switched_to_gets_its_own_words():
    moment = datetime(2026, 3, 1, 14, 5, tzinfo=UTC)
    texts = []
    for language in ("en-us", "de", "en-us"):
        with translation.override(language):
            texts.append(datetime_text(moment))

    assert texts[0] == texts[2] != texts[1]
    assert "March" in texts[0] and "März" in texts[1]
