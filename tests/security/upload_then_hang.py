"""Run by test_crash_leftovers.py as a process of its own: hold a temporary upload file open, stage
the DICOM files of a folder, and hang after the second file (printing READY) until killed."""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from cases.models import Case  # noqa: E402 (after setup)
from viewer.inflight import LockedTemporaryFileUploadHandler  # noqa: E402
from viewer.uploads import Upload  # noqa: E402

HANG_AFTER = 2


def hang_after_some(done):
    if done == HANG_AFTER:
        print("READY", flush=True)
        time.sleep(600)


def main(folder):
    request_body = LockedTemporaryFileUploadHandler()  # as a large upload's request does
    request_body.new_file("files", "big.zip", "application/zip", 10**8)
    request_body.receive_data_chunk(b"\0" * 65536, 0)
    Upload(Case(deid_salt="crash")).stage(folder, progress=hang_after_some)


if __name__ == "__main__":
    main(sys.argv[1])
