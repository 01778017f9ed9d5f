"""Opening a bundle and checking it: zip safety, JSON, the schema, and that every file a case
names is in the zip. Nothing here touches the database."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import relevance
from referencing import Registry, Resource

from cases.bundle.format import MANIFEST, SCHEMA_PATH, BundleError
from dicom.archive import ArchiveError, expand


@cache
def _validators():
    schema = json.loads(SCHEMA_PATH.read_text())
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))

    def validator(part):
        return Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/{part}"}, registry=registry)

    return {"manifest": validator("manifest"), "case": validator("case")}


@dataclass
class CaseEntry:
    name: str  # case.json's path in the zip
    folder: str
    document: dict

    def file(self, image):
        return f"{self.folder}/{image['file']}"


@dataclass
class Bundle:
    members: dict  # path in the zip -> dicom.archive.Member
    cases: list  # CaseEntry, in the manifest's order

    def member(self, path):
        return self.members[path]


def read_bundle(path, limits):
    """Open a bundle through dicom.archive (its limits and checks) and check every case.json
    against the schema and its files against the zip; raises BundleError."""
    prefix = Path(path).name
    try:
        members = {m.name.removeprefix(f"{prefix}/"): m for m in expand([(prefix, path)], limits)}
    except (ArchiveError, OSError) as e:
        raise BundleError(str(e)) from None
    if set(members) == {prefix}:
        raise BundleError(f"{prefix}: this is not a zip")
    bundle = Bundle(members, [])
    manifest = _read_json(bundle, MANIFEST, "manifest")
    for name in manifest["cases"]:
        document = _read_json(bundle, name, "case")
        bundle.cases.append(CaseEntry(name, name.rsplit("/", 1)[0], document))
        _check_files(bundle, bundle.cases[-1])
    return bundle


def _read_json(bundle, name, part):
    if name not in bundle.members:
        raise BundleError(f"{name}: missing from the bundle")
    try:
        with bundle.member(name).open() as stream:
            document = json.loads(stream.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise BundleError(f"{name}: not valid JSON ({e})") from None
    except ArchiveError as e:
        raise BundleError(str(e)) from None
    errors = sorted(_validators()[part].iter_errors(document), key=relevance, reverse=True)
    if errors:
        lines = [f"  at {e.json_path}: {e.message}" for e in errors[:5]]
        raise BundleError(f"{name}: does not follow docs/bundle.schema.json\n" + "\n".join(lines))
    return document


def _check_files(bundle, entry):
    images = [
        (f"$.studies[{s}].series[{r}].images[{i}]", image)
        for s, study in enumerate(entry.document["studies"])
        for r, series in enumerate(study["series"])
        for i, image in enumerate(series["images"])
    ]
    for where, image in images:
        if entry.file(image) not in bundle.members:
            raise BundleError(
                f"{entry.name}: at {where}: {image['file']} is missing from the bundle"
            )
    cover = entry.document["cover"]
    if cover and not _at(entry.document["studies"], cover):
        raise BundleError(f"{entry.name}: at $.cover: there is no such image")


def _at(studies, where):
    try:
        return studies[where["study"]]["series"][where["series"]]["images"][where["image"]]
    except IndexError:
        return None
