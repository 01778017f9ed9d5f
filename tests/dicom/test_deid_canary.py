"""The canary file: a real CT slice with a unique marker planted everywhere a name could hide.

After deidentify() and to_bytes(), not one marker, and not one of the original instance UIDs, may
be left anywhere in the bytes written, whether dates are shifted or removed.
"""

import io
import itertools

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from dicom.deid import DeidContext, deidentify, to_bytes

KEY = b"a test key, not the real one"

# The canary carries text where numbers, dates and UIDs belong; pydicom warns as it reads them.
pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR")
TEXT_VRS = {"PN", "LO", "SH", "LT", "ST", "UT", "UC", "UR", "AE"}

NAMED = [  # where people and places usually hide, text and coded strings alike
    "PatientName", "PatientID", "OtherPatientIDs", "OtherPatientNames", "PatientAddress",
    "PatientMotherBirthName", "PatientTelephoneNumbers", "PatientComments", "Occupation",
    "MedicalAlerts", "Allergies", "AdditionalPatientHistory", "InstitutionName",
    "InstitutionAddress", "InstitutionalDepartmentName", "ReferringPhysicianName",
    "ReferringPhysicianAddress", "PerformingPhysicianName", "NameOfPhysiciansReadingStudy",
    "PhysiciansOfRecord", "OperatorsName", "StudyDescription", "SeriesDescription", "ProtocolName",
    "ImageComments", "DerivationDescription", "RequestedProcedureDescription",
    "PerformedProcedureStepDescription", "AdmittingDiagnosesDescription", "AccessionNumber",
    "StudyID", "StationName", "DeviceSerialNumber", "ScheduledProcedureStepID",
    "RequestedProcedureID", "PerformedProcedureStepID", "WindowCenterWidthExplanation",
    "BodyPartExamined", "DeidentificationMethod", "PatientIdentityRemoved",
    "LongitudinalTemporalInformationModified", "SmokingStatus", "PatientSexNeutered",
    "QualityControlSubject", "ScheduledProcedureStepStatus",
]
RAW = [  # values pydicom would refuse to set but will read: text where a number or date belongs
    ("KVP", "DS"), ("SeriesNumber", "IS"), ("StudyTime", "TM"), ("ContentDate", "DA"),
    ("PatientAge", "AS"), ("FrameOfReferenceUID", "UI"),
]


class Markers:
    """Hands out unique markers and remembers them."""

    def __init__(self):
        self.planted = []
        self._numbers = itertools.count()

    def new(self):
        self.planted.append(f"CANARY{next(self._numbers):04d}X")
        return self.planted[-1]

    def value_for(self, vr):
        marker = self.new()
        if vr == "UR":
            return f"http://example.com/{marker}"
        return marker.encode() + b"\0" if vr in ("OB", "OW", "UN") else marker


def plant(ds, markers, keyword):
    tag = tag_for_keyword(keyword)
    vr = dictionary_VR(tag)
    ds.add_new(tag, vr, markers.value_for(vr))


def plant_raw(ds, markers, keyword, vr):
    """Bytes written as they are, as a hostile or broken file would carry them."""
    value = markers.new().encode() + b" "
    tag = Tag(tag_for_keyword(keyword))
    ds[tag] = RawDataElement(tag, vr, len(value), value, 0, False, True)


def coded(markers, private=False):
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator = markers.new(), "99CANARY"
    item.CodeMeaning = markers.new()
    if private:
        item.private_block(0x0041, markers.new(), create=True).add_new(0x01, "LO", markers.new())
    return item


def reference(markers, uid):
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    item.ReferencedSOPInstanceUID = uid
    item.PurposeOfReferenceCodeSequence = Sequence([coded(markers, private=True)])
    return item


def plant_sequences(ds, markers):
    """Two and three levels deep, in sequences the profile removes and in ones it keeps."""
    study = reference(markers, "1.2.826.0.1.3680043.10.999.3001")
    plant(study, markers, "PatientName")
    request = Dataset()
    for keyword in ("RequestedProcedureID", "ScheduledProcedureStepDescription",
                    "ReasonForTheRequestedProcedure"):
        plant(request, markers, keyword)
    request.ReferencedStudySequence = Sequence([study])
    ds.RequestAttributesSequence = Sequence([request])
    ds.ReferencedImageSequence = Sequence([reference(markers, "1.2.826.0.1.3680043.10.999.3002")])
    ds.SourceImageSequence = Sequence([reference(markers, "1.2.826.0.1.3680043.10.999.3003")])
    region = coded(markers)
    region.AnatomicRegionModifierSequence = Sequence([coded(markers, private=True)])
    ds.AnatomicRegionSequence = Sequence([region])
    original = Dataset()
    plant(original, markers, "PatientName")
    ds.OriginalAttributesSequence = Sequence([Dataset()])
    ds.OriginalAttributesSequence[0].ModifiedAttributesSequence = Sequence([original])
    content = Dataset()
    plant(content, markers, "TextValue")
    ds.ContentSequence = Sequence([content])


def plant_private(ds, markers):
    block = ds.private_block(0x0029, markers.new(), create=True)
    block.add_new(0x01, "LO", markers.new())
    block.add_new(0x02, "OB", markers.new().encode() + b"\0")
    inner = Dataset()
    plant(inner, markers, "PatientName")
    block.add_new(0x03, "SQ", Sequence([inner]))


def plant_overlay_and_curve(ds, markers):
    ds.add_new(0x60000010, "US", 8)
    ds.add_new(0x60000011, "US", 8)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000022, "LO", markers.new())  # Overlay Description
    ds.add_new(0x60001500, "LO", markers.new())  # Overlay Label
    ds.add_new(0x60003000, "OW", markers.new().encode() + b"\0")
    ds.add_new(0x60004000, "LT", markers.new())  # Overlay Comments
    ds.add_new(0x50000022, "LO", markers.new())  # Curve Description
    ds.add_new(0x50003000, "OB", markers.new().encode() + b"\0")


def plant_file_meta(ds, markers):
    meta = ds.file_meta
    meta.ImplementationVersionName = markers.new()
    meta.SourceApplicationEntityTitle = markers.new()
    meta.SendingApplicationEntityTitle = markers.new()
    meta.ReceivingApplicationEntityTitle = markers.new()
    meta.PrivateInformationCreatorUID = "1.2.826.0.1.3680043.10.999.3004"
    meta.PrivateInformation = markers.new().encode() + b"\0"
    ds.preamble = markers.new().encode().ljust(128, b"\0")


def canary_file(name):
    """The sample's bytes with markers in every text attribute it has and many it has not."""
    ds = pydicom.dcmread(get_testdata_file(name))
    markers = Markers()
    for element in list(ds.iterall()):
        if element.VR in TEXT_VRS:
            element.value = markers.value_for(element.VR)
    for keyword in NAMED:
        if keyword not in ds:  # those present got theirs above
            plant(ds, markers, keyword)
    for keyword, vr in RAW:
        plant_raw(ds, markers, keyword, vr)
    plant_sequences(ds, markers)
    plant_private(ds, markers)
    plant_overlay_and_curve(ds, markers)
    plant_file_meta(ds, markers)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue(), markers.planted


def original_uids(data):
    """Every UID that names this patient's things: all but the Standard's own and class UIDs."""
    ds = pydicom.dcmread(io.BytesIO(data))
    elements = itertools.chain(ds.file_meta, ds.iterall())
    values = (
        str(v) for e in elements if e.VR == "UI" and not e.keyword.endswith("ClassUID")
        for v in (e.value if e.VM > 1 else [e.value])
    )
    return {v for v in values if v and not v.startswith("1.2.840.10008.")}


def leaks(output, needles):
    lowered = output.lower()
    return [n for n in needles if n.encode() in output or n.lower().encode() in lowered]


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm"])
@pytest.mark.parametrize("shift_dates", [True, False])
def test_no_marker_and_no_original_uid_survives_deidentification(name, shift_dates):
    data, markers = canary_file(name)
    uids = original_uids(data)
    assert len(markers) >= 90 and len(uids) >= 8
    assert leaks(data, markers) == markers  # the canary carries every marker it claims to

    ds = pydicom.dcmread(io.BytesIO(data))
    output = to_bytes(deidentify(ds, DeidContext(KEY, "canary-case", shift_dates=shift_dates)))

    assert leaks(output, markers) == []
    assert leaks(output, sorted(uids)) == []
    assert output[:128] == bytes(128)


def test_the_deidentified_canary_still_shows_its_image():
    data, _ = canary_file("CT_small.dcm")
    ds = pydicom.dcmread(io.BytesIO(data))
    pixels = ds.pixel_array.copy()
    again = pydicom.dcmread(io.BytesIO(to_bytes(deidentify(ds, DeidContext(KEY, "canary-case")))))
    assert (again.pixel_array == pixels).all()
    assert again.ReferencedImageSequence[0].ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
