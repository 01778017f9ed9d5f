"""Finding and removing burned-in text: OCR's recall of text boxes and its time per frame
(dicom/ocr.py), and the time to redact a frame (dicom/redaction.py), on pydicom-data's real
ultrasound and on frames with text Pillow draws at random places.

    .venv/bin/python bench/redaction.py              # 40 drawn frames
    .venv/bin/python bench/redaction.py --frames 10  # quicker

A text box counts as found when one proposed rectangle covers at least 90% of it. A proposal
that covers no text box at all by half is counted as a false one (the editor discards it).
Needs pydicom-data and tesseract-ocr (make ocr-deps).
"""

import argparse
import random
import statistics
import sys
from pathlib import Path
from time import perf_counter

from common import machine_line, version_of  # bench/common.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pydicom  # noqa: E402
from PIL import Image  # noqa: E402

from dicom import frames, ocr  # noqa: E402
from dicom.redaction import Rectangle, redact  # noqa: E402
from tests.burned_in_text import draw_frame, sample, secondary_capture  # noqa: E402
from tests.dicom.test_ocr import US1_TEXT, coverage  # noqa: E402
from tests.dicom_samples import SAMPLES  # noqa: E402

FOUND = 0.9
WORDS = ["DOE^JANET", "SMITH^JOHN", "MRN 4417203", "ID 99120455", "1961-03-14", "03/14/1961",
         "ST MARY HOSP", "CITY GENERAL", "12:41:07", "LEFT KIDNEY", "LIVER", "TIS<0.4 MI=0.8",
         "ACC 20261206-17", "DR WHO", "GAIN 54 DR 60"]  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40, help="drawn frames (default 40)")
    args = parser.parse_args()
    print(machine_line())
    print(f"# tesseract {ocr.pytesseract.get_tesseract_version()}, pytesseract "
          f"{version_of('pytesseract')}, pydicom {pydicom.__version__}")  # fmt: skip
    if not ocr.available():
        sys.exit("tesseract is not installed: make ocr-deps")
    ultrasound = frames.to_picture(pydicom.dcmread(SAMPLES["pydicom-data:US1_UNCR.dcm"]), 0)
    report("us1", [(ultrasound, US1_TEXT)], repeat=3)
    report("drawn", [drawn(seed) for seed in range(args.frames)])
    redaction_times()


def drawn(seed):
    """A drawn frame with 4 to 8 lines of text at random places, sizes 11 to 20 px."""
    chance = random.Random(seed)
    texts, taken = {}, []
    while len(texts) < chance.randint(4, 8):
        x, y = chance.randrange(4, 200), chance.randrange(4, 220)
        if all(abs(y - ty) > 24 or abs(x - tx) > 120 for tx, ty in taken):
            texts[(x, y)] = chance.choice(WORDS)
            taken.append((x, y))
    pixels, boxes = draw_frame(texts, seed=seed, font_size=chance.randint(11, 20))
    return Image.fromarray(pixels), list(boxes.values())


def report(name, cases, repeat=1):
    found = total = false = 0
    times = []
    for picture, boxes in cases:
        for _ in range(repeat):
            start = perf_counter()
            proposals = ocr.text_boxes(picture)
            times.append(perf_counter() - start)
        total += len(boxes)
        found += sum(any(coverage(b, p) >= FOUND for p in proposals) for b in boxes)
        false += sum(not any(coverage(b, p) >= 0.5 for b in boxes) for p in proposals)
    print(f"ocr_recall_{name}: {found / total:.3f} ratio ({found} of {total} text boxes)")
    print(f"ocr_false_proposals_{name}: {false / len(cases):.2f} per frame")
    print(f"ocr_time_per_frame_{name}: {statistics.median(times) * 1000:.0f} ms")


def redaction_times():
    """dicom.redaction.redact() end to end (read, decode, black, write), per frame."""
    rectangles = [Rectangle(10, 20, 160, 90), Rectangle(490, 20, 140, 90)]
    ultrasound = sample("pydicom-data:US1_UNCR.dcm")
    compressed = sample("pydicom-data:US1_J2KR.dcm")
    multi = secondary_capture(frames=20)
    for name, data, count in (("us1", ultrasound, 1), ("us1_j2k", compressed, 1),
                              ("drawn_20_frames", multi, 20)):  # fmt: skip
        times = []
        for _ in range(5):
            start = perf_counter()
            redact(data, rectangles)
            times.append(perf_counter() - start)
        per_frame = statistics.median(times) / count * 1000
        print(f"redact_time_per_frame_{name}: {per_frame:.1f} ms")


if __name__ == "__main__":
    main()
