"""DICOM and pictures without Django: safe reading of untrusted uploads, de-identification,
frames and display, renditions and the viewer's stored values.

Every module here takes and returns bytes, pydicom datasets, arrays and PIL images, and is tested
without HTTP or a database. The Django side (models, the upload pipeline, views) is `viewer/`.

An upload passes through them in this order:

- archive (with zip_directory and bounded_streams): the files of an upload, zips opened in place;
- reading (with walker, image_pixel and decoders): each file read as DICOM and checked;
- deid (with deid_profile and deid_values): identity removed, PS3.15 Annex E;
- frames (with geometry, decoders and display): each frame decoded, placed and shown;
- renditions: pictures re-encoded from their pixels; pixelstore: stored values for the viewer.

errors holds the one refusal base every step raises; sizes writes byte counts for its messages.
"""
