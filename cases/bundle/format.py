"""What every part of a bundle shares: the format's names and version, its one error, and the
deterministic JSON its documents are written in."""

import json
from datetime import UTC
from pathlib import Path

FORMAT, CASE_FORMAT, VERSION = "teaching-case-bundle", "teaching-case", 1
MANIFEST = "manifest.json"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "bundle.schema.json"

# The case fields a bundle carries as they are (the rest are terms, people, dates and images).
CASE_FIELDS = [
    "title", "unknown_title", "history", "age_value", "age_unit", "sex", "difficulty",
    "certainty", "diagnosis", "discussion", "status",
]  # fmt: skip


class BundleError(ValueError):
    """A bundle refused, in words for the person importing it (naming the file at fault)."""


def dumps(document):
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def timestamp(value):
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")
