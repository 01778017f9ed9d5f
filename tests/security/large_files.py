"""Large files built in code for the memory tests and bench/memory.py, without Django."""

import zlib

import numpy as np


def rgba_png(side):
    """A side x side RGBA PNG of a smooth gradient: side² x 4 bytes once decoded, well under
    1 MB as a file for 6000. Written a band of rows at a time, so building it holds no
    full-size image."""
    row = np.zeros((side, 4), np.uint8)
    row[:, 0] = np.arange(side) % 256
    row[:, 3] = 255
    line = b"\0" + row.tobytes()  # filter type 0 (None) before each row
    packer = zlib.compressobj(6)
    body = b"".join(packer.compress(line * 256) for _ in range(side // 256))
    body += packer.compress(line * (side % 256)) + packer.flush()
    header = side.to_bytes(4, "big") * 2 + bytes([8, 6, 0, 0, 0])  # 8-bit RGBA, no interlace
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(
        b"IEND", b""
    )


def _chunk(kind, data):
    crc = zlib.crc32(kind + data)
    return len(data).to_bytes(4, "big") + kind + data + crc.to_bytes(4, "big")
