"""The one kind of error an upload is refused with, whichever step refuses it, and each step's own
kind: ArchiveError (dicom.archive), DicomError (dicom.reading and what decodes and shows frames),
RenditionError (dicom.renditions). All take (code, reason, name="") in that order."""

from contextlib import contextmanager


class Refusal(ValueError):
    """A file the repository won't take, in words for the person who sent it.

    `code` is a short slug for programs, forms and tests; `reason` a sentence the contributor can
    act on; `name` the file or archive member at fault, when the refusing step knows it (reading
    a data set from bytes does not; the pipeline names the file). str() is "<name>: <reason>".
    """

    def __init__(self, code, reason, name=""):
        super().__init__(code, reason, name)  # all three in args, so it pickles across processes
        self.code, self.reason, self.name = code, reason, name

    def __str__(self):
        return f"{self.name}: {self.reason}" if self.name else self.reason

    def naming(self, name):
        """The same refusal, of the same class, now naming the file at fault."""
        return type(self)(self.code, self.reason, name)


class ArchiveError(Refusal):
    """An upload refused as a whole or by one of its files, before any is read as DICOM: too many
    files, a zip bomb, an unsafe path. `name` is always set, as in Member.name."""


class DicomError(Refusal):
    """A file that isn't a DICOM image the repository can read, decode and show."""


class RenditionError(Refusal):
    """A picture (JPEG or PNG) that can't be re-encoded into the site's renditions."""


@contextmanager
def refusing(code, reason):
    """Turn any failure inside into DicomError(code, reason): pydicom and the decoders raise
    many kinds of exception on hostile bytes (RecursionError among them), and none may escape."""
    try:
        yield
    except (DicomError, KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # a Rust decoder panics with pyo3's PanicException
        raise DicomError(code, reason) from error
