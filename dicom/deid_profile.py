"""What de-identification does with each element, decided from its tag and VR alone: DICOM PS3.15
Annex E Table E.1-1 (the Basic Application Level Confidentiality Profile, E.2), and the stricter
rules beyond it.

Pure Python on tags, VRs and keywords, no Django. The table is shipped as
`data/annexE_basic_profile_2024b.csv` and loaded once. Its action codes are resolved for a teaching
file (_TABLE_PLANS); the patient's identity and characteristics follow the Retain Patient
Characteristics option (E.3.7); dates follow Retain Longitudinal Temporal Information with
Modified Dates (E.3.6) when dates are shifted. Attributes the table does not list keep structure
and numbers and lose text; coded strings are kept only from TECHNICAL, whose values are checked.
plan() names the handler dicom.deid applies, and is memoised.
"""

import csv
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from pydicom.datadict import dictionary_VR, keyword_for_tag

PROFILE_CSV = Path(__file__).parent / "data" / "annexE_basic_profile_2024b.csv"


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


def dictionary_vr(tag):
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
def plan(tag, vr, shift_dates):
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
