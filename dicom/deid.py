"""De-identify DICOM datasets in memory, following DICOM PS3.15 Annex E.

Pure functions on pydicom datasets, no Django: the caller passes the secret key in a `DeidContext`.
The Basic Application Level Confidentiality Profile (PS3.15 E.2) is driven by its Table E.1-1,
shipped as `data/annexE_basic_profile_2024b.csv`, with two options:

- Retain Patient Characteristics (E.3.7), limited to sex, age, size and weight, with ages of 90
  years or more written as 090Y;
- Retain Longitudinal Temporal Information with Modified Dates (E.3.6) when `shift_dates` is true:
  every DA and DT value is moved by one secret offset per case, so intervals survive. Times of day
  (TM) are kept, as a shift by whole days leaves them unchanged. Without the option, dates and times
  are removed, or emptied where the table says Z.

Beyond the table, and stricter than it (E.2 leaves descriptors to the Clean Descriptors option,
which we do not claim): private attributes go at every depth; so do curves (50xx) and overlays
(60xx); text attributes (PN, LO, SH, LT, ST, UT, UC, UR, AE) go unless the table says otherwise;
coded strings (CS) are kept only from an allow-list of technical attributes whose values are
checked; numbers, ages, times and UIDs that are kept must be well formed, so they cannot carry text;
bulk data is kept only for pixels and their lookup tables. Every sequence that survives is cleaned
by the same rules.

deidentify() walks the dataset once; what to do with an element is decided from its tag and VR alone
and memoised: a CT slice header takes about a millisecond. The table and the rules that decide are
dicom.deid_profile; the values written in place of identifying ones (keyed pseudonyms, shifted
dates, ages) are dicom.deid_values; this module walks the dataset, applies them and writes the file.
"""

import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement, empty_value_for_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from dicom.deid_profile import (
    PROFILE,
    PROFILE_CSV,
    TECHNICAL,
    TagPattern,
    dictionary_vr,
    load_profile,
    parse_tag,
    plan,
    profile_action,
)
from dicom.deid_values import (
    DS_FORM,
    IS_FORM,
    TM_FORM,
    UID_FORM,
    age_between,
    capped_age,
    date_offset_days,
    parse_date,
    patient_pseudonym,
    remap_uid,
    shift_date,
    shift_datetime,
    technical_value_ok,
)

# Callers and tests use these through dicom.deid, where they were defined before it was split.
__all__ = [
    "PROFILE",
    "PROFILE_CSV",
    "DeidContext",
    "TagPattern",
    "date_offset_days",
    "deidentify",
    "load_profile",
    "parse_tag",
    "patient_pseudonym",
    "profile_action",
    "remap_uid",
    "to_bytes",
]

DICOM_ROOT = "1.2.840.10008."  # UIDs defined by the Standard itself: classes, syntaxes, well-known
PREAMBLE = bytes(128)  # the preamble is free for any content (polyglot files, CVE-2019-11687)


@dataclass(frozen=True)
class DeidContext:
    key: bytes  # secret: the app passes a key derived from its settings
    case_salt: str  # identifies the teaching case; UIDs and the date offset are per case
    shift_dates: bool = True  # True: shift dates by a secret per-case offset; False: remove them


# --- element values -------------------------------------------------------------------------------

_DUMMIES = {
    "PN": "ANONYMOUS",
    "AE": "ANONYMOUS",
    "UR": "urn:anonymized",
    "DS": "0",
    "IS": "0",
    "AS": "000Y",
    "OB": b"\0\0",
    "UN": b"\0\0",
    **{vr: "ANONYMIZED" for vr in ("LO", "SH", "LT", "ST", "UT", "UC", "CS")},
}


def _values(ds, tag):
    """An element's values as strings, whatever its VM."""
    value = ds[tag].value
    if value is None or value == "":
        return []
    if isinstance(value, (list, MultiValue)):
        return [str(v).strip() for v in value]
    return [str(value).strip()]


def _set(ds, tag, vr, values):
    ds[tag] = DataElement(tag, vr, values[0] if len(values) == 1 else values)


# --- handlers: one per plan -----------------------------------------------------------------------


@dataclass
class _Run:
    """One call of deidentify(): the context, its date offset and the UIDs remapped so far."""

    context: DeidContext
    offset: timedelta = field(init=False)
    uids: dict = field(default_factory=dict)

    def __post_init__(self):
        self.offset = timedelta(days=date_offset_days(self.context))

    def uid(self, old):
        if old.startswith(DICOM_ROOT) and UID_FORM.fullmatch(old):
            return old  # a class, syntax or well-known instance of the Standard: names no one
        if old not in self.uids:
            self.uids[old] = remap_uid(old, self.context)
        return self.uids[old]


def _remove(ds, tag, vr, run):
    del ds[tag]


def _empty(ds, tag, vr, run):
    ds[tag] = DataElement(tag, vr, empty_value_for_VR(vr))


def _keep(ds, tag, vr, run):
    pass


def _dummy(ds, tag, vr, run):
    if vr in _DUMMIES:
        ds[tag] = DataElement(tag, vr, _DUMMIES[vr])
    else:
        del ds[tag]


def _pseudonym(ds, tag, vr, run):
    original = "\\".join(_values(ds, tag))
    ds[tag] = DataElement(tag, vr, patient_pseudonym(original, run.context))


def _new_uid(ds, tag, vr, run):
    values = _values(ds, tag)
    if values:
        _set(ds, tag, "UI", [run.uid(v) for v in values])


def _keep_valid(pattern):
    def handler(ds, tag, vr, run):
        if not all(pattern.fullmatch(v) for v in _values(ds, tag)):
            del ds[tag]  # not what the VR allows: it could be carrying text

    return handler


_keep_ds, _keep_is = _keep_valid(DS_FORM), _keep_valid(IS_FORM)


def _number(ds, tag, vr, run):
    (_keep_ds if vr == "DS" else _keep_is)(ds, tag, vr, run)


def _shift(ds, tag, vr, run):
    shift_one = shift_date if vr == "DA" else shift_datetime
    shifted = [shift_one(v, run.offset) for v in _values(ds, tag)]
    if not all(shifted):
        del ds[tag]  # partial (a year alone) or not a date at all: nothing to keep
    elif shifted:
        _set(ds, tag, vr, shifted)


def _sex(ds, tag, vr, run):
    if _values(ds, tag) not in (["M"], ["F"], ["O"]):
        _empty(ds, tag, vr, run)


def _age(ds, tag, vr, run):
    capped = [capped_age(v) for v in _values(ds, tag)]
    if not all(capped):
        del ds[tag]
    elif capped:
        _set(ds, tag, "AS", capped)


def _technical(ds, tag, vr, run):
    allowed = TECHNICAL[keyword_for_tag(tag)]
    if not all(technical_value_ok(v, allowed) for v in _values(ds, tag)):
        del ds[tag]


def _clean_sequence(ds, tag, vr, run):
    items = ds[tag].value or []
    for item in items:
        _clean(item, run)
    if not any(len(item) for item in items):
        del ds[tag]  # nothing left worth keeping; the items stay together otherwise (per-frame)


_HANDLERS = {
    "remove": _remove,
    "empty": _empty,
    "keep": _keep,
    "dummy": _dummy,
    "pseudonym": _pseudonym,
    "new_uid": _new_uid,
    "keep_uid": _keep_valid(UID_FORM),
    "shift": _shift,
    "keep_time": _keep_valid(TM_FORM),
    "number": _number,
    "sex": _sex,
    "age": _age,
    "technical": _technical,
    "clean": _clean_sequence,
}


def _clean(ds, run):
    for tag in list(ds.keys()):
        try:
            vr = ds.get_item(tag).VR or dictionary_vr(tag)  # implicit VR files carry no VR
            _HANDLERS[plan(tag, vr, run.context.shift_dates)](ds, tag, vr, run)
        except Exception:  # noqa: BLE001 - a value pydicom cannot decode is not kept (fail closed)
            if tag in ds:
                del ds[tag]


# --- the whole dataset ----------------------------------------------------------------------------

CODES = {  # PS3.16 CID 7050 De-identification Methods
    "basic": ("113100", "Basic Application Confidentiality Profile"),
    "characteristics": ("113108", "Retain Patient Characteristics Option"),
    "modified_dates": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
}


def _fill_patient_age(ds):
    """Work out the age before the dates go: it is the one thing a teaching case needs from them."""
    if str(ds.get("PatientAge") or "").strip():
        return
    birth = parse_date(ds.get("PatientBirthDate"))
    dates = (parse_date(ds.get(k)) for k in ("StudyDate", "SeriesDate", "AcquisitionDate"))
    on = next((d for d in dates if d), None)
    if birth and on and on >= birth:
        ds.PatientAge = age_between(birth, on)


def _code(name):
    value, meaning = CODES[name]
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item


def _record_method(ds, context):
    """PS3.15 E.1.1: say that and how identity was removed (PS3.3 C.7.1.1)."""
    names = ["basic", "characteristics"] + (["modified_dates"] if context.shift_dates else [])
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = [
        "PS3.15 Table E.1-1 (2024b) Basic Profile",
        "Retain Patient Characteristics (sex, age, size, weight)",
        "Dates shifted per case" if context.shift_dates else "Dates and times removed",
        "Private, text, curve and overlay data removed",
    ]
    ds.DeidentificationMethodCodeSequence = Sequence([_code(name) for name in names])
    ds.LongitudinalTemporalInformationModified = "MODIFIED" if context.shift_dates else "REMOVED"


def _well_formed_uid(value):
    value = str(value or "").strip()
    return value if UID_FORM.fullmatch(value) else None


def _syntax_read_as(ds):
    """For files without file meta (ACR-NEMA style): the encoding pydicom found when reading."""
    return {
        (True, True): ImplicitVRLittleEndian,
        (False, False): ExplicitVRBigEndian,
    }.get(ds.original_encoding, ExplicitVRLittleEndian)


def _clean_file_meta(ds, run):
    """Rebuild group 0002 from three attributes (PS3.10 7.1). AE titles, private information and
    the implementation's identity go; the writer adds its own, which is now the truth."""
    old = getattr(ds, "file_meta", None) or FileMetaDataset()
    meta = FileMetaDataset()
    meta.TransferSyntaxUID = _well_formed_uid(old.get("TransferSyntaxUID")) or _syntax_read_as(ds)
    old_instance = _well_formed_uid(old.get("MediaStorageSOPInstanceUID"))
    instance = ds.get("SOPInstanceUID") or (old_instance and run.uid(old_instance))
    sop_class = ds.get("SOPClassUID") or _well_formed_uid(old.get("MediaStorageSOPClassUID"))
    if sop_class:
        meta.MediaStorageSOPClassUID = sop_class
    if instance:
        meta.MediaStorageSOPInstanceUID = instance
    ds.file_meta = meta


def deidentify(ds, context):
    """De-identify `ds` in place, file meta and preamble included, and return it."""
    run = _Run(context)
    _fill_patient_age(ds)
    _clean(ds, run)
    _record_method(ds, context)
    _clean_file_meta(ds, run)
    ds.preamble = PREAMBLE
    return ds


def to_bytes(ds):
    """A de-identified dataset as a DICOM Part 10 file, preamble zeroed and file meta matching the
    dataset. Refuses datasets deidentify() has not marked: a guard against slips, not attacks."""
    buffer = io.BytesIO()
    write(ds, buffer)
    return buffer.getvalue()


def write(ds, fileobj):
    """to_bytes(), written to a binary file instead: a large file is never held twice in memory."""
    if ds.get("PatientIdentityRemoved") != "YES":
        raise ValueError("refusing to write a dataset that has not been de-identified")
    meta = getattr(ds, "file_meta", None) or FileMetaDataset()
    meta.TransferSyntaxUID = meta.get("TransferSyntaxUID") or ExplicitVRLittleEndian
    for source in ("SOPClassUID", "SOPInstanceUID"):
        if source in ds:
            setattr(meta, "MediaStorage" + source, ds[source].value)
    ds.file_meta = meta
    ds.preamble = PREAMBLE
    for _ in ds.iterall():
        pass  # decode raw elements: ones read as implicit VR have no VR for an explicit VR writer
    with _pixels_streamed(ds):
        ds.save_as(fileobj, enforce_file_format=True)


@contextmanager
def _pixels_streamed(ds):
    """pydicom writes each element into a buffer of its own before the file, which would copy
    the whole pixel data once more; a value given as a stream is copied across in chunks. A
    BytesIO over the bytes shares them rather than copying."""
    element = ds["PixelData"] if "PixelData" in ds else None
    if element is None or not isinstance(element.value, bytes):
        yield
        return
    pixels = element.value
    element.value = io.BytesIO(pixels)
    try:
        yield
    finally:
        element.value = pixels
