"""The values de-identification writes in place of identifying ones (DICOM PS3.15 Annex E):
keyed pseudonyms for UIDs and patient IDs, the per-case date shift of the Modified Dates option
(E.3.6), ages (E.3.7), and the forms (PS3.5 Table 6.2-1) a kept value must have so it cannot
carry text.

Pure functions on strings, dates and a context holding the secret `key` and the `case_salt`
(dicom.deid.DeidContext), no Django.
"""

import hashlib
import hmac
import re
from datetime import date

_DA = re.compile(r"(\d{4})\.?(\d{2})\.?(\d{2})")  # also the ACR-NEMA form YYYY.MM.DD
_DT = re.compile(r"(\d{8})(\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?([+-]\d{4})?")
TM_FORM = re.compile(r"\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?")
DS_FORM = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
IS_FORM = re.compile(r"[+-]?\d+")
_AS = re.compile(r"(\d{3})([DWMY])")
UID_FORM = re.compile(r"[0-9.]{1,64}")
_DAYS_PER_UNIT = {"D": 1, "W": 7, "M": 30.4375, "Y": 365.25}


# --- keyed pseudonyms -----------------------------------------------------------------------------


def _hmac(context, label):
    message = f"{context.case_salt}\0{label}".encode()
    return hmac.new(context.key, message, hashlib.sha256).digest()


def remap_uid(uid, context):
    """A new UID for `uid`, the same within a case and different across cases. A keyed hash, so
    whoever holds the original UID cannot compute the new one without the key (an unsalted hash
    would let them link the two). 2.25 is the UUID-derived root (PS3.5 B.2): 128 bits in decimal
    have at most 39 digits, well within the 64 a UID allows, and int() writes no leading zeros."""
    return "2.25." + str(int.from_bytes(_hmac(context, uid)[:16], "big"))


def date_offset_days(context):
    """The secret per-case date shift, between -3650 and -365 days: never zero, and always into
    the past, so shifted dates never land in the future."""
    number = int.from_bytes(_hmac(context, "date-offset")[:8], "big")
    return -(365 + number % (3650 - 365 + 1))


def patient_pseudonym(original_id, context):
    """A PatientID for the case; a keyed hash keeps two patients in one upload apart."""
    return "TC-" + _hmac(context, f"patient-id:{original_id}")[:8].hex().upper()


# --- dates, ages and technical values -------------------------------------------------------------


def parse_date(text):
    found = _DA.fullmatch(str(text or "").strip())
    try:
        return date(*map(int, found.groups())) if found else None
    except ValueError:
        return None


def _da(day):
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime drops the padding before 1000


def shift_date(text, offset):
    day = parse_date(text)
    try:
        return _da(day + offset) if day else None
    except OverflowError:
        return None


def shift_datetime(text, offset):
    found = _DT.fullmatch(text)
    day = found and shift_date(found.group(1), offset)
    return day and day + (found.group(2) or "") + (found.group(3) or "")


def age_between(birth, on):
    """PatientAge as PS3.5 AS: years from 2, months below that, days in the first month."""
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    if months >= 24:
        return f"{min(months // 12, 90):03d}Y"
    if months >= 1:
        return f"{months:03d}M"
    return f"{(on - birth).days:03d}D"


def capped_age(text):
    """Ages of 90 and over are grouped, as there are few such patients (cf. HIPAA Safe Harbor)."""
    found = _AS.fullmatch(text)
    if not found:
        return None
    days = int(found.group(1)) * _DAYS_PER_UNIT[found.group(2)]
    return "090Y" if days >= 90 * 365.25 else text


def technical_value_ok(value, allowed):
    if isinstance(allowed, re.Pattern):
        return bool(allowed.fullmatch(value))
    return value in allowed
