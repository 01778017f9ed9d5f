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
and memoised: a CT slice header takes about a millisecond.
"""

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement, empty_value_for_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

PROFILE_CSV = Path(__file__).parent / "data" / "annexE_basic_profile_2024b.csv"
DICOM_ROOT = "1.2.840.10008."  # UIDs defined by the Standard itself: classes, syntaxes, well-known
PREAMBLE = bytes(128)  # the preamble is free for any content (polyglot files, CVE-2019-11687)


@dataclass(frozen=True)
class DeidContext:
    key: bytes  # secret: the app passes a key derived from its settings
    case_salt: str  # identifies the teaching case; UIDs and the date offset are per case
    shift_dates: bool = True  # True: shift dates by a secret per-case offset; False: remove them


# --- Table E.1-1 ----------------------------------------------------------------------------------


class TagPattern(NamedTuple):
    """A repeating-group row of Table E.1-1, e.g. (60xx,4000): matches when tag & mask == value."""

    value: int
    mask: int

    def matches(self, tag):
        return tag & self.mask == self.value


_TAG_CELL = re.compile(
    r"\(([0-9A-F]{4}),([0-9A-F]{4})\)(?: mask\(([0-9A-F]{4}),([0-9A-F]{4})\))?", re.IGNORECASE
)


def parse_tag(cell):
    """'(0010,0010)' -> 0x00100010; '(6000,4000) mask(FF00,FFFF)' -> TagPattern."""
    group, element, mask_group, mask_element = _TAG_CELL.fullmatch(cell.strip()).groups()
    tag = int(group + element, 16)
    return tag if mask_group is None else TagPattern(tag, int(mask_group + mask_element, 16))


def load_profile(path=PROFILE_CSV):
    with open(path, newline="", encoding="utf-8") as rows:
        return {parse_tag(row["tag"]): row["basic_profile_action"] for row in csv.DictReader(rows)}


PROFILE = load_profile()
_PATTERNS = [key for key in PROFILE if isinstance(key, TagPattern)]


def profile_action(tag):
    """The Table E.1-1 action for a tag, or None when the table does not list it."""
    action = PROFILE.get(tag)
    if action is None:
        action = next((PROFILE[p] for p in _PATTERNS if p.matches(tag)), None)
    return action


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


# --- what to do with an element -------------------------------------------------------------------

TEXT_VRS = frozenset({"PN", "LO", "SH", "LT", "ST", "UT", "UC", "UR", "AE"})
NUMBER_VRS = frozenset({"DS", "IS"})
BULK_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN"})

# Bulk data kept: the pixels and the lookup tables that turn them into a picture. Other bulk data
# (ICC profiles, waveforms, record keys...) can hold any bytes, text included, and is not shown.
BULK_KEPT = frozenset(
    {
        "PixelData", "FloatPixelData", "DoubleFloatPixelData", "ExtendedOffsetTable",
        "ExtendedOffsetTableLengths", "LUTData", "GrayLookupTableData",
        *(f"{kind}{colour}PaletteColorLookupTableData"
          for kind in ("", "Large", "Segmented") for colour in ("Red", "Green", "Blue", "Alpha")),
    }
)

# Table E.1-1 codes, resolved for a teaching file rather than a conformant clinical object: where
# the table lets us remove (X/...), we remove; Z/D empties. "X/Z/U*" sequences (Referenced/Source
# Image) are kept with their UIDs remapped so references between instances of a case still resolve.
_TABLE_PLANS = {
    "X": "remove",
    "X/Z": "remove",
    "X/D": "remove",
    "X/Z/D": "remove",
    "Z": "empty",
    "Z/D": "empty",
    "D": "dummy",
    "U": "new_uid",
    "K": "keep",
    "C": "remove",  # no safe generic cleaning exists for non-temporal values
    "X/Z/U*": "clean",
}

# Retain Patient Characteristics (E.3.7) and the patient identity itself.
_PATIENT_PLANS = {
    "PatientName": "dummy",
    "PatientID": "pseudonym",
    "PatientBirthDate": "empty",  # never shifted: with the age kept it would only add risk
    "PatientBirthTime": "remove",
    "PatientSex": "sex",
    "PatientAge": "age",
    "PatientSize": "number",
    "PatientWeight": "number",
}

_CS = re.compile(r"[A-Z0-9 _]{0,16}")  # PS3.5 Table 6.2-1; still enough for a short marker

# Coded strings and the one text attribute that display and teaching need. Each maps to the values
# accepted: a set where PS3.3 enumerates them, else any well-formed CS. Anything else, including an
# unexpected value here, is removed: a CS can carry a planted name as easily as an LO.
TECHNICAL = {
    "ImageType": _CS,  # values 3 and up are open; LOCALIZER, AXIAL... matter to the viewer
    "FrameType": _CS,
    "Modality": frozenset(
        "ANN AR ASMT AU BDUS BI BMD CD CF CFM CP CR CS CT CTPROTOCOL DD DF DG DM DMS DOC DS DX EC "
        "ECG EEG EMG EOG EPS ES FA FID FS GM HC HD IO IOL IVOCT IVUS KER KO LEN LP LS M3D MA MG MR "
        "MS NM OAM OCT OP OPM OPR OPT OPTBSV OPTENF OPV OSS OT PA PLAN POS PR PT PX REG RESP RF "
        "RG RTDOSE RTIMAGE RTINTENT RTPLAN RTRAD RTRECORD RTSEGANN RTSTRUCT RWV SEG SM SMR SR SRF "
        "ST STAIN TEXTUREMAP TG US VA VF XA XAPROTOCOL XC".split()
    ),
    "PhotometricInterpretation": frozenset(
        "MONOCHROME1 MONOCHROME2 RGB YBR_FULL YBR_FULL_422 YBR_PARTIAL_422 YBR_PARTIAL_420 "
        "YBR_ICT YBR_RCT ARGB CMYK HSV XYB".split()
    )
    | {"PALETTE COLOR"},
    "PixelIntensityRelationship": frozenset({"LIN", "LOG", "DISP"}),
    "PresentationLUTShape": frozenset({"IDENTITY", "INVERSE", "LIN OD"}),
    "VOILUTFunction": frozenset({"LINEAR", "LINEAR_EXACT", "SIGMOID"}),
    "RescaleType": frozenset({"OD", "HU", "US", "MGML", "Z_EFF", "ED", "EDW", "HU_MOD", "PCT"}),
    "ModalityLUTType": frozenset({"OD", "HU", "US", "MGML", "Z_EFF", "ED", "EDW", "HU_MOD", "PCT"}),
    "PresentationIntentType": frozenset({"FOR PRESENTATION", "FOR PROCESSING"}),
    "PixelSpacingCalibrationType": frozenset({"GEOMETRY", "FIDUCIAL"}),
    "LossyImageCompression": frozenset({"00", "01"}),
    "LossyImageCompressionMethod": frozenset(
        "ISO_10918_1 ISO_14495_1 ISO_15444_1 ISO_15444_15 ISO_18181_1 ISO_13818_2 ISO_14496_10 "
        "ISO_23008_2".split()
    ),
    "BurnedInAnnotation": frozenset({"YES", "NO"}),  # the ingest pipeline flags series by it
    "RecognizableVisualFeatures": frozenset({"YES", "NO"}),
    "QualityControlImage": frozenset({"YES", "NO", "BOTH"}),
    "ConversionType": frozenset({"DV", "DI", "DF", "WSD", "SD", "SI", "DRW", "SYN"}),
    "PatientPosition": frozenset(
        "HFP HFS HFDR HFDL FFDR FFDL FFP FFS LFP LFS RFP RFS AFDR AFDL PFDR PFDL".split()
    ),
    "PatientOrientation": re.compile(r"[APRLHF]{0,3}"),  # the letters on a projection image
    "ViewPosition": frozenset(
        "AP PA LL RL RLD LLD RLO LLO CC MLO ML LM LMO FB SIO XCC XCCL XCCM".split()
    ),
    "Laterality": frozenset({"R", "L"}),
    "ImageLaterality": frozenset({"R", "L", "U", "B"}),
    "FrameLaterality": frozenset({"R", "L", "U", "B"}),
    "PixelPresentation": frozenset(
        {"COLOR", "MONOCHROME", "MIXED", "TRUE_COLOR", "MONOCHROME1", "MONOCHROME2"}
    ),
    "VolumetricProperties": frozenset({"VOLUME", "SAMPLED", "DISTORTED", "MIXED"}),
    "DimensionOrganizationType": frozenset({"3D", "3D_TEMPORAL", "TILED_FULL", "TILED_SPARSE"}),
    "ScanningSequence": frozenset({"SE", "IR", "GR", "EP", "RM"}),
    "SequenceVariant": frozenset({"SK", "MTC", "SS", "TRSS", "SP", "MP", "OSP", "NONE"}),
    "MRAcquisitionType": frozenset({"2D", "3D"}),
    "Units": frozenset(  # PET units, needed for SUV
        "CNTS NONE CM2 CM2ML PCNT CPS BQML MGMINML UMOLMINML MLMING MLG 1CM UMOLML PROPCNTS "
        "PROPCPS MLMINML MLML GML STDDEV".split()
    ),
    "DecayCorrection": frozenset({"NONE", "START", "ADMIN"}),
    "CorrectedImage": frozenset("DECY ATTN SCAT DTIM MOTN PMOT CLN RAN RADL DCAL NORM".split()),
}


def _dictionary_vr(tag):
    try:
        return dictionary_VR(tag)
    except KeyError:
        return "UN"  # not in the data dictionary: nothing can say it is safe


def _always_removed(tag):
    group, element = tag >> 16, tag & 0xFFFF
    return (
        group & 1  # private attributes and their creators (E.2: the profile removes them)
        or element == 0  # group lengths, stale once anything is removed
        or group == 0x0002  # file meta belongs in ds.file_meta, cleaned on its own
        or group & 0xFF00 in (0x5000, 0x6000)  # curves and overlays, whole groups (Table E.1-1)
    )


def _temporal_plan(vr, action, shift_dates):
    if shift_dates:
        return "keep_time" if vr == "TM" else "shift"
    return "remove" if action is None or "X" in action else "empty"


def _table_plan(action, vr):
    plan = _TABLE_PLANS.get(action, "remove")  # an action we do not know: fail closed
    if vr == "SQ" and plan in ("dummy", "keep"):
        return "clean"  # a dummy sequence is the same sequence with dummy contents
    if vr == "UI" and plan == "dummy":
        return "new_uid"
    if vr != "SQ" and plan == "clean":
        return "remove"
    return plan


def _default_plan(keyword, vr):
    """For attributes Table E.1-1 does not list: keep structure and numbers, drop text."""
    if keyword in TECHNICAL:
        return "technical"
    if vr == "SQ":
        return "clean"
    if vr == "UI":
        return "keep_uid" if _is_class_uid(keyword) else "new_uid"
    if vr in TEXT_VRS or vr == "CS":
        return "remove"
    if any(part in BULK_VRS for part in vr.split(" or ")):  # "OB or OW" where the VR is implicit
        return "keep" if keyword in BULK_KEPT else "remove"
    if vr in NUMBER_VRS:
        return "number"
    if vr == "AS":
        return "age"
    return "keep"  # numbers: geometry, pixel description, LUT descriptors


def _is_class_uid(keyword):
    return keyword.endswith("ClassUID") or "TransferSyntaxUID" in keyword


@lru_cache(maxsize=4096)
def _plan(tag, vr, shift_dates):
    """What to do with an element, from its tag and VR alone, so it is decided once per tag."""
    if _always_removed(tag):
        return "remove"
    keyword = keyword_for_tag(tag)
    if keyword in _PATIENT_PLANS:
        return _PATIENT_PLANS[keyword]
    action = profile_action(tag)
    if vr in ("DA", "DT", "TM"):
        return _temporal_plan(vr, action, shift_dates)
    if action is not None:
        return _table_plan(action, vr)
    return _default_plan(keyword, vr)


# --- values ---------------------------------------------------------------------------------------

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
_DA = re.compile(r"(\d{4})\.?(\d{2})\.?(\d{2})")  # also the ACR-NEMA form YYYY.MM.DD
_DT = re.compile(r"(\d{8})(\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?([+-]\d{4})?")
_TM = re.compile(r"\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?")
_DS = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IS = re.compile(r"[+-]?\d+")
_AS = re.compile(r"(\d{3})([DWMY])")
_UID = re.compile(r"[0-9.]{1,64}")
_DAYS_PER_UNIT = {"D": 1, "W": 7, "M": 30.4375, "Y": 365.25}


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


def _parse_date(text):
    found = _DA.fullmatch(str(text or "").strip())
    try:
        return date(*map(int, found.groups())) if found else None
    except ValueError:
        return None


def _da(day):
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime drops the padding before 1000


def _shift_date(text, offset):
    day = _parse_date(text)
    try:
        return _da(day + offset) if day else None
    except OverflowError:
        return None


def _shift_datetime(text, offset):
    found = _DT.fullmatch(text)
    day = found and _shift_date(found.group(1), offset)
    return day and day + (found.group(2) or "") + (found.group(3) or "")


def _age_between(birth, on):
    """PatientAge as PS3.5 AS: years from 2, months below that, days in the first month."""
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    if months >= 24:
        return f"{min(months // 12, 90):03d}Y"
    if months >= 1:
        return f"{months:03d}M"
    return f"{(on - birth).days:03d}D"


def _capped_age(text):
    """Ages of 90 and over are grouped, as there are few such patients (cf. HIPAA Safe Harbor)."""
    found = _AS.fullmatch(text)
    if not found:
        return None
    days = int(found.group(1)) * _DAYS_PER_UNIT[found.group(2)]
    return "090Y" if days >= 90 * 365.25 else text


def _technical_value_ok(value, allowed):
    if isinstance(allowed, re.Pattern):
        return bool(allowed.fullmatch(value))
    return value in allowed


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
        if old.startswith(DICOM_ROOT) and _UID.fullmatch(old):
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


_keep_ds, _keep_is = _keep_valid(_DS), _keep_valid(_IS)


def _number(ds, tag, vr, run):
    (_keep_ds if vr == "DS" else _keep_is)(ds, tag, vr, run)


def _shift(ds, tag, vr, run):
    shift_one = _shift_date if vr == "DA" else _shift_datetime
    shifted = [shift_one(v, run.offset) for v in _values(ds, tag)]
    if not all(shifted):
        del ds[tag]  # partial (a year alone) or not a date at all: nothing to keep
    elif shifted:
        _set(ds, tag, vr, shifted)


def _sex(ds, tag, vr, run):
    if _values(ds, tag) not in (["M"], ["F"], ["O"]):
        _empty(ds, tag, vr, run)


def _age(ds, tag, vr, run):
    capped = [_capped_age(v) for v in _values(ds, tag)]
    if not all(capped):
        del ds[tag]
    elif capped:
        _set(ds, tag, "AS", capped)


def _technical(ds, tag, vr, run):
    allowed = TECHNICAL[keyword_for_tag(tag)]
    if not all(_technical_value_ok(v, allowed) for v in _values(ds, tag)):
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
    "keep_uid": _keep_valid(_UID),
    "shift": _shift,
    "keep_time": _keep_valid(_TM),
    "number": _number,
    "sex": _sex,
    "age": _age,
    "technical": _technical,
    "clean": _clean_sequence,
}


def _clean(ds, run):
    for tag in list(ds.keys()):
        try:
            vr = ds.get_item(tag).VR or _dictionary_vr(tag)  # implicit VR files carry no VR
            _HANDLERS[_plan(tag, vr, run.context.shift_dates)](ds, tag, vr, run)
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
    birth = _parse_date(ds.get("PatientBirthDate"))
    dates = (_parse_date(ds.get(k)) for k in ("StudyDate", "SeriesDate", "AcquisitionDate"))
    on = next((d for d in dates if d), None)
    if birth and on and on >= birth:
        ds.PatientAge = _age_between(birth, on)


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
    return value if _UID.fullmatch(value) else None


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
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
