"""manage.py backup and restore: the database dumped (pg_dump, or SQLite's backup API) and every
media file copied through Django's storage API with a manifest of checksums; restored only into
an empty database and an empty store, checked before and after. A restored copy serving the same
bytes is test_restore_drill.py's."""

import json
import sqlite3
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from operations.backups import BackupError, media
from operations.drill.databases import fresh_database
from tests import object_store
from tests.dicom_factory import ct_series
from tests.factories import add_dicom, make_case, seed_vocabularies
from tests.local_processes import database_url
from tests.operations.sites import ROOT, app_environment

# pg_dump and the sqlite3 backup read what the test committed, so each test commits, and the
# module ends with the vocabularies seeded again after the flush.
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("seeded_again_afterwards")]


@pytest.fixture
def site(alice, settings, tmp_path):
    """A published case of two pictures and a 3-slice CT series, its files in a media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_vocabularies()  # the previous test's flush emptied them
    case = make_case(alice, images=2)
    add_dicom(case.studies.get(), ct_series(3))
    return case


@pytest.fixture
def backup(site, tmp_path):
    call_command("backup", str(tmp_path / "backup"), stdout=StringIO())
    return tmp_path / "backup"


def files_in(folder):
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in Path(folder).rglob("*") if p.is_file()}


def restore_elsewhere(backup, database_url, media_root):
    """manage.py restore in a process of its own, on another database and media folder."""
    env = app_environment(media_root, DATABASE_URL=database_url)
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def count_rows(database_url, table):
    if database_url.startswith("sqlite:"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_backup_holds_the_dump_every_media_file_and_a_manifest_of_them(backup, settings):
    manifest = json.loads((backup / "manifest.json").read_text())
    originals = files_in(settings.MEDIA_ROOT)
    assert manifest["media"]["file_count"] == len(originals) >= 2 * 3 + 3 * 5
    assert files_in(backup / "media") == originals
    assert {entry["name"] for entry in manifest["media"]["files"]} == set(originals)
    assert manifest["media"]["bytes"] == sum(len(data) for data in originals.values())
    assert manifest["database"]["vendor"] == connection.vendor
    assert (backup / manifest["database"]["file"]).stat().st_size > 0
    assert "cases.0001_initial" in manifest["migrations"]
    assert manifest["app_version"] and manifest["created"]


def test_a_backup_refuses_a_folder_that_is_not_empty(site, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("someone's")
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("backup", str(tmp_path / "full"))
    assert (tmp_path / "full" / "keep.txt").read_text() == "someone's"


def test_a_restore_brings_back_every_row_and_file_into_an_empty_database_and_store(
    backup, settings, tmp_path
):
    with fresh_database(tmp_path) as url:
        done = restore_elsewhere(backup, url, tmp_path / "restored-media")
        assert done.returncode == 0, done.stderr
        assert "checked against its manifest" in done.stdout
        for table in ("cases_case", "cases_study", "viewer_series", "viewer_image"):
            assert count_rows(url, table) == count_rows(database_url(), table), table
    assert files_in(tmp_path / "restored-media") == files_in(settings.MEDIA_ROOT)


def test_a_restore_refuses_a_database_that_is_not_empty(backup):
    with pytest.raises(CommandError, match="the database is not empty"):
        call_command("restore", str(backup))


def test_a_restore_refuses_a_store_that_is_not_empty(backup, tmp_path):
    (tmp_path / "used-media").mkdir()
    (tmp_path / "used-media" / "someone.png").write_bytes(b"not ours")
    with fresh_database(tmp_path) as url:
        done = restore_elsewhere(backup, url, tmp_path / "used-media")
        assert done.returncode != 0
        assert "the media storage is not empty" in done.stderr
        assert count_rows_or_none(url) is None  # nothing written to the database either
    assert (tmp_path / "used-media" / "someone.png").read_bytes() == b"not ours"


def count_rows_or_none(url):
    try:
        return count_rows(url, "cases_case")
    except (sqlite3.OperationalError, psycopg.errors.UndefinedTable):
        return None


def test_a_restore_refuses_a_damaged_backup_naming_the_file(backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    damaged = manifest["media"]["files"][0]["name"]
    with open(backup / "media" / damaged, "r+b") as f:
        first = f.read(1)
        f.seek(0)
        f.write(bytes([first[0] ^ 0xFF]))
    with pytest.raises(CommandError, match=f"differ from the manifest: media/{damaged}"):
        call_command("restore", str(backup))


def test_a_restore_refuses_a_backup_without_its_manifest(backup):
    (backup / "manifest.json").unlink()
    with pytest.raises(CommandError, match="no manifest.json, so not a whole backup"):
        call_command("restore", str(backup))


def test_a_restore_refuses_a_backup_of_a_newer_version(backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["migrations"].append("cases.9999_from_the_future")
    (backup / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="migrations this version does not know"):
        call_command("restore", str(backup))


def test_the_media_goes_through_the_storage_api_whatever_the_storage(tmp_path):
    """Django's in-memory storage stands for an object store: nothing of it is a folder."""
    source, target = InMemoryStorage(), InMemoryStorage()
    source.save("images/1/full.png", ContentFile(b"\x89PNG one"))
    source.save("generated/handouts/a.pdf", ContentFile(b"%PDF two"))
    source.save("health/ready-probe.txt", ContentFile(b"ready"))  # the readiness check's
    entries = media.copy_out(source, tmp_path / "copy")
    assert [entry["name"] for entry in entries] == ["generated/handouts/a.pdf", "images/1/full.png"]
    assert media.is_empty(target)
    media.copy_in(target, tmp_path / "copy", entries)
    assert media.mismatches(target, entries) == []
    assert target.open("images/1/full.png").read() == b"\x89PNG one"


def test_a_name_leaving_the_backups_folder_is_refused(tmp_path):
    with pytest.raises(BackupError, match="outside the backup"):
        media.local_path(tmp_path, "../../etc/passwd")


def test_a_site_on_an_object_store_is_backed_up_and_restored_into_an_empty_bucket(
    alice, settings, s3_bucket, s3_endpoint, tmp_path
):
    seed_vocabularies()
    case = make_case(alice, images=2)
    add_dicom(case.studies.get(), ct_series(3))
    originals = {name: default_storage.open(name).read() for name in object_store.objects()}
    call_command("backup", str(tmp_path / "backup"), stdout=StringIO())

    empty_bucket = f"restored-{uuid.uuid4().hex[:12]}"
    s3 = object_store.environment(s3_endpoint, empty_bucket)
    with fresh_database(tmp_path) as url:
        env = app_environment(tmp_path / "unused-media", DATABASE_URL=url, **s3)
        for command in (["prepare_bucket", "--create"], ["restore", str(tmp_path / "backup")]):
            done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr
        assert count_rows(url, "viewer_image") == count_rows(database_url(), "viewer_image")

    object_store.use_existing_bucket(settings, s3_endpoint, empty_bucket)
    assert {name: default_storage.open(name).read() for name in object_store.objects()} == originals
    assert not (tmp_path / "unused-media").exists()
