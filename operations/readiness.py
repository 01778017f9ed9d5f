"""What /healthz/ready checks: each part a page needs (the database, the cache, the media
storage), by using it as a page would. Which part failed is told; why goes to the log only, since
an error's text may name a host, a user or a path."""

import logging
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)

# Where the storage check writes its probe, deleted at once; backups and restores skip it.
PROBE_FOLDER = "health"
PROBE = b"ready"


class NotReady(Exception):
    pass


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, PROBE, timeout=30)
    try:
        if cache.get(key) != PROBE:
            raise NotReady("a value set in the cache was not read back")
    finally:
        cache.delete(key)


def check_storage():
    """Writes, reads back and deletes a small file: what an upload and an image page need."""
    name = default_storage.save(f"{PROBE_FOLDER}/ready-{uuid.uuid4().hex}.txt",
                                ContentFile(PROBE))
    try:
        with default_storage.open(name, "rb") as f:
            if f.read() != PROBE:
                raise NotReady("a file written to the storage was not read back")
    finally:
        default_storage.delete(name)


CHECKS = {"database": check_database, "cache": check_cache, "storage": check_storage}


def run_checks():
    """{part: "ok" or "failed"}, every part tried even when an earlier one failed."""
    results = {}
    for part, check in CHECKS.items():
        try:
            check()
            results[part] = "ok"
        except Exception:  # any failure of the part is its failure, whatever the backend raises
            logger.exception("readiness: the %s check failed", part)
            results[part] = "failed"
    return results
