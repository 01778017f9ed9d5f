"""A datetime's exact date and time as date_format(value, "DATETIME_FORMAT") writes it, in a
fraction of its time: the title of `time_ago` (cases_tags), on every card of a browse page.

Django's DateFormat translates its month's name and its "a.m."/"p.m." anew for each datetime
(~28 µs a date_format() call). Here the format is split once, and each format character's text
is DateFormat's own, kept per language and per the part of the datetime it reads: a month's
name per month, "2:30 p.m." per hour and minute. The same text, from a dict (~6 µs). A format
with a character not listed below (a timezone's, the ISO week's) goes through date_format().
"""

from django.utils import dateformat, formats, translation


def _hour(moment):
    return moment.hour


def _hour_and_minute(moment):
    return moment.hour, moment.minute


def _month(moment):
    return moment.month


def _day(moment):
    return moment.day


def _weekday(moment):
    return moment.weekday()


def _year(moment):
    return moment.year


# What each format character's text depends on, for those that read nothing else of the
# datetime (their text also depends on the language): few values each, so few texts are kept.
READS = {
    **dict.fromkeys("aAgGhH", _hour),
    **dict.fromkeys("fP", _hour_and_minute),
    "i": lambda moment: moment.minute,
    "s": lambda moment: moment.second,
    **dict.fromkeys("bEFmMnN", _month),
    **dict.fromkeys("djS", _day),
    **dict.fromkeys("Dlw", _weekday),
    **dict.fromkeys("LyY", _year),
}

_pieces = {}  # format -> [(format character or None, literal text)], or None: date_format()
_texts = {}  # (language, format character, what it reads) -> its text


def datetime_text(moment):
    """date_format(moment, "DATETIME_FORMAT") for a datetime, in the active language."""
    language = translation.get_language()
    format_string = str(formats.get_format("DATETIME_FORMAT", lang=language))
    if format_string not in _pieces:
        _pieces[format_string] = _split(format_string)
    pieces = _pieces[format_string]
    if pieces is None:
        return formats.date_format(moment, "DATETIME_FORMAT")
    return "".join(
        literal if char is None else _text(language, char, moment) for char, literal in pieces
    )


def _text(language, char, moment):
    key = (language, char, READS[char](moment))
    text = _texts.get(key)
    if text is None:  # as DateFormat.format() writes it
        text = _texts[key] = str(getattr(dateformat.DateFormat(moment), char)())
    return text


def _split(format_string):
    """The format's characters and literal text, as DateFormat.format() reads them; None when
    a character reads more of the datetime than READS knows."""
    pieces = []
    for n, piece in enumerate(dateformat.re_formatchars.split(format_string)):
        if n % 2:
            if piece not in READS:
                return None
            pieces.append((piece, ""))
        elif piece:
            pieces.append((None, dateformat.re_escaped.sub(r"\1", piece)))
    return pieces
