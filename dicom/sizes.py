"""Byte counts as refusal messages write them."""

MiB = 2**20
GiB = 2**30


def in_mib(size):
    """Whole mebibytes, or bytes below one: how DICOM reading states a file and its limits."""
    return f"{size / MiB:,.0f} MiB" if size >= MiB else f"{size:,} bytes"


def in_units(count):
    """One decimal of the largest unit, as a file browser shows an upload's files."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if count >= scale:
            return f"{round(count / scale, 1):g} {unit}"
    return f"{count:,} bytes"
