"""/healthz/ready: the database, the cache and the media storage each used as a page would, 503
naming the part that failed and nothing of why. The database unreachable is tested on a real
server in test_unreachable_database.py."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import reverse

from operations.readiness import PROBE_FOLDER
from tests.local_processes import free_port

READY = "/healthz/ready"


def test_its_url_is_named_in_the_operations_namespace():
    assert reverse("operations:ready") == READY


def test_it_answers_ready_when_every_part_works(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = Client().get(READY)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready", "checks": {"database": "ok", "cache": "ok", "storage": "ok"}
    }
    assert "no-cache" in response["Cache-Control"]


def test_its_probe_leaves_no_file_in_the_storage(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Client().get(READY)
    assert default_storage.listdir(PROBE_FOLDER)[1] == []


def test_it_names_the_storage_when_media_cannot_be_written(db, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    response = Client().get(READY)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "failed"}
    assert str(blocker).encode() not in response.content


def test_it_names_the_cache_when_redis_does_not_answer(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    closed = f"redis://127.0.0.1:{free_port()}/0"
    caches = {**settings.CACHES,
              "default": {"BACKEND": "cases.caching.RedisCache", "LOCATION": closed}}
    with override_settings(CACHES=caches):
        response = Client().get(READY)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "failed", "storage": "ok"}
    assert b"6379" not in response.content and closed.encode() not in response.content


def test_it_answers_when_every_page_asks_for_a_login(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MIDDLEWARE = [*settings.MIDDLEWARE,
                           "django.contrib.auth.middleware.LoginRequiredMiddleware"]
    assert Client().get(READY).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_anything_but_a_get(db, method):
    assert getattr(Client(), method)(READY).status_code == 405

