"""Production settings with what a test run needs: a fixed key, plain http, files in a temporary
folder."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-the-check-0123")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="teaching-cases-media-"))
os.environ.setdefault("WORK_DIR", tempfile.mkdtemp(prefix="teaching-cases-work-"))
# Never the checkout's own .env (make run writes DEBUG=true there): tests run production settings.
os.environ["ENV_FILE"] = os.devnull

from repository.settings import *  # noqa: E402,F403

STORAGES["staticfiles"] = {  # noqa: F405 (from the star import)
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests
# Jobs run at once, inside the request or command that enqueues them, so that a test of an upload
# finds its images when the response comes. tests/viewer/test_upload_job_worker.py runs the
# database backend with a real worker, which it starts with TASKS_BACKEND set.
if "TASKS_BACKEND" not in os.environ:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file rather than memory, so that other processes can open it: tests/security/
    # test_withdrawal.py starts servers that read the test database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.mkdtemp(prefix="teaching-cases-db-"), "test.sqlite3")
    }
