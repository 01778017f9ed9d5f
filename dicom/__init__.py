"""DICOM and pictures without Django: safe reading of untrusted uploads, de-identification,
frames and display, renditions and the viewer's stored values.

Every module here takes and returns bytes, pydicom datasets, arrays and PIL images, and is tested
without HTTP or a database. The Django side (models, the upload pipeline, views) is `viewer/`.
"""
