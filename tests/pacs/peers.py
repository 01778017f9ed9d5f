"""The real peers the PACS tests talk to: DCMTK's echoscu and storescu, Orthanc, and our own
receiver in a thread of the test process (so that it sees the test database), each on a free port
of the loopback interface."""

import queue
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid

from pacs.receiver import Limits, Receiver
from tests.dicom_factory import PATIENT, PATIENT_ID, to_bytes
from tests.dicom_samples import FOLDERS
from tests.local_processes import free_port

OUR_AE = "TEACHING"
MAPPED_AE = "WS_CT3"
# pydicom-data's compressed samples, one per compression the pipeline decodes, with the storescu
# option that proposes their transfer syntax (it proposes one compression per association).
COMPRESSED = {
    "MR2_J2KR.dcm": "--propose-j2k-lossless",
    "emri_small_RLE.dcm": "--propose-rle",
    "emri_small_jpeg_ls_lossless.dcm": "--propose-jls-lossless",
    "JPEG-LL.dcm": "--propose-lossless",
}


def tool(name):
    """A system program (Orthanc lives in /usr/sbin), or a failure that says how to get it."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    assert found, f"{name} is missing: make install-test installs DCMTK and Orthanc"
    return found


class RunningReceiver:
    """Our receiver on a free port; taken() waits for the records of the next association."""

    def __init__(self, limits=None):
        self.port = free_port()
        self.records = queue.Queue()
        self.receiver = Receiver(OUR_AE, limits or limits_for_tests(), on_taken=self.records.put)
        self.receiver.start(("127.0.0.1", self.port), block=False)

    def taken(self, timeout=120):
        """An association's ReceivedStudy records, once it was handed over."""
        return self.records.get(timeout=timeout)

    def stop(self):
        self.receiver.shutdown()


def limits_for_tests(**changes):
    values = dict(max_pdu=65536, max_associations=4, max_instances=500,
                  max_bytes=512 * 1024 * 1024, max_instance_bytes=64 * 1024 * 1024,
                  idle_seconds=30, max_seconds=600)  # fmt: skip
    return Limits(**{**values, **changes})


def echoscu(port, calling=MAPPED_AE):
    return subprocess.run(
        [tool("echoscu"), "-aet", calling, "-aec", OUR_AE, "127.0.0.1", str(port)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def storescu(port, paths, calling=MAPPED_AE, options=()):
    """Send files as a PACS would, carrying on past a refused file (--no-halt)."""
    return subprocess.run(
        [tool("storescu"), "-aet", calling, "-aec", OUR_AE, "--no-halt", "--required", *options,
         "127.0.0.1", str(port), *map(str, paths)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def write_files(folder, files):
    """bytes to numbered files in folder; their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, data in enumerate(files):
        path = folder / f"IM{number:05d}.dcm"
        path.write_bytes(data)
        paths.append(path)
    return paths


def compressed_study(study_uid=None):
    """pydicom-data's compressed samples as one patient's study (our patient's name and ID), with
    their pixel data as compressed as it came."""
    study_uid = study_uid or generate_uid()
    files = []
    for name in COMPRESSED:
        ds = pydicom.dcmread(FOLDERS["pydicom-data"] / name)
        ds.PatientName, ds.PatientID, ds.StudyInstanceUID = PATIENT, PATIENT_ID, study_uid
        ds.SeriesInstanceUID = generate_uid()
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        files.append(to_bytes(ds))
    return files


def undecodable():
    """A JPEG 2000 file whose image description reads well (so it passes arrival) and whose
    frame no decoder reads (so its upload job refuses it): as bytes, with its dataset."""
    from pydicom.encaps import encapsulate

    ds = pydicom.dcmread(BytesIO(compressed_study()[0]))
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + b"\x07" * 2000])
    return to_bytes(ds), ds


def stored_bytes(case):
    """Every stored file of the case (DICOM and renditions), read back from storage."""
    from django.core.files.storage import default_storage

    from viewer.models import Image, Instance

    names = [i.file.name for i in Instance.objects.filter(series__study__case=case)]
    for image in Image.objects.filter(study__case=case):
        names += [f.name for f in (image.full, image.display, image.thumbnail, image.pixels) if f]
    for name in names:
        with default_storage.open(name) as stored:
            yield name, stored.read()
