"""Portable case bundles: cases with their images in one .zip, to move between installations.

The format is described in docs/bundle.md and checked by docs/bundle.schema.json. export()
(export.py) writes a bundle; import_bundle() (importing.py) imports one, once read_bundle()
(reading.py) has opened it and checked it against the schema. Importing is all or nothing: the
whole bundle is checked (zip safety, JSON, schema, files, authors, vocabulary) before anything is
written, and then every case is imported in one transaction, each DICOM file and picture through
the upload pipeline (viewer.uploads: de-identified, checked, rendered) like any upload. If
anything fails, nothing is imported and the files already written are deleted.

A case's JSON is deterministic (sorted keys, stable order, no database ids, storage paths or
DICOM UIDs), so exporting, importing into an empty database and exporting again gives the same
case.json. DICOM UIDs are left out because importing de-identifies the files again, which remaps
their UIDs with the new case's salt; the UIDs travel inside the DICOM files themselves.
"""

from cases.bundle.export import case_document, export
from cases.bundle.format import SCHEMA_PATH, BundleError
from cases.bundle.importing import Imported, import_bundle
from cases.bundle.reading import read_bundle

__all__ = [
    "SCHEMA_PATH", "BundleError", "Imported", "case_document", "export", "import_bundle",
    "read_bundle",
]  # fmt: skip
