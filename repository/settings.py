"""Settings for the teaching-case repository, read from the environment.

Every variable is listed in README.md. Local defaults are safe: SQLite in the project folder,
DEBUG off, and a development secret key that is refused when DEBUG is off.
A development checkout's .env (written by `make run`, read by repository/env.py) fills in what
the environment does not set.
"""

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from repository.env import env_bool, env_float, env_int, env_list, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent

# A development checkout's .env (written by `make run`); the environment wins over it.
load_env_file(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "insecure-development-key-only-for-DEBUG-and-tests-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY: must be set when DEBUG is off (set DEBUG=true for local development)"
        )
    SECRET_KEY = _DEV_SECRET
elif len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY: must be at least 32 characters long")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A log-out sent without a token is asked again rather than refused (accounts/views.py).
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"

SITE_NAME = env_str("SITE_NAME", "Radiology Teaching Cases")

# Who may use the standard workflow: empty means anyone who may browse; otherwise members of
# these groups (and staff). Residents then browse in the academic workflow only.
STANDARD_WORKFLOW_GROUPS = env_list("STANDARD_WORKFLOW_GROUPS")
# Public by default, like most departmental teaching files; on, every page asks for a login.
REQUIRE_LOGIN = env_bool("REQUIRE_LOGIN", False)

CASES_PER_PAGE = env_int("CASES_PER_PAGE", 24, minimum=1)
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 100_000_000, minimum=1)
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 200, minimum=1)
MAX_FILES_PER_UPLOAD = env_int("MAX_FILES_PER_UPLOAD", 5000, minimum=1)
MAX_UPLOAD_TOTAL_MB = env_int("MAX_UPLOAD_TOTAL_MB", 4096, minimum=1)
MAX_FRAMES_PER_FILE = env_int("MAX_FRAMES_PER_FILE", 3000, minimum=1)

# DICOM de-identification (PS3.15 Annex E). The key makes remapped UIDs and date shifts
# unrecoverable; keep it stable (changing it splits a case's later uploads from its earlier ones)
# and secret. Derived from SECRET_KEY unless given.
DEIDENTIFICATION_KEY = env_str("DEIDENTIFICATION_KEY", "") or hmac.new(
    SECRET_KEY.encode(), b"dicom-deidentification", hashlib.sha256
).hexdigest()
# Shift dates by a secret per-case offset (intervals survive) rather than remove them.
DEIDENTIFICATION_SHIFT_DATES = env_bool("DEIDENTIFICATION_SHIFT_DATES", True)

INSTALLED_APPS = [
    "accounts",
    "cases",
    "viewer",
    "attempts",
    "casesets",
    "pacs",
    "operations",  # health checks, request logs, backups
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # search on PostgreSQL (cases/search.py); inert on SQLite
    "taggit",
    "csp",
    "axes",  # failed logins (below)
    "django_tasks",  # background jobs (below): uploads run in a worker, not in the request
    "django_tasks_db",
    "simple_history",  # every change to a case and its parts (cases/models, docs/review.md)
]

MIDDLEWARE = [
    # First, so that its time and status are the whole stack's.
    "operations.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "operations.policy.PolicyMiddleware",  # django-csp's, the policy built once
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the session's user read beside the session (accounts/sessions.py).
    "accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who made a change, for the history of cases and their parts (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it turns a locked-out login on either form into the lockout page.
    "axes.middleware.AxesMiddleware",
]
if REQUIRE_LOGIN:
    MIDDLEWARE.append("django.contrib.auth.middleware.LoginRequiredMiddleware")

ROOT_URLCONF = "repository.urls"
WSGI_APPLICATION = "repository.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        # Persistent connections are checked before each request's first query, so a database
        # restart costs no request once it is back; while it is down, connecting gives up after
        # DATABASE_CONNECT_TIMEOUT seconds and the page says 503 (cases.views.server_error).
        DATABASES = {"default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=60, conn_health_checks=True
        )}
    except Exception as e:  # dj_database_url raises several kinds on a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL: cannot parse it ({e})") from None
    if DATABASES["default"]["ENGINE"] not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured("DATABASE_URL: use postgres://... or sqlite:///...")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, its persistent connections checked without a round trip a request.
        DATABASES["default"]["ENGINE"] = "operations.postgresql"
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
        # What the planner takes reading a page out of order to cost, against the next page in
        # order. PostgreSQL's default, 4, is a spinning disk's; on SSDs, or with the tables in
        # memory, it is about 1. At 4 a word with an author was matched by reading every case
        # in table order (each case's vector read out of line) rather than the author's cases
        # from their index: 23-26 ms against 8-10 (docs/performance.md). Ahead of any options
        # the URL gives (?options=...), which win over it.
        page_cost = env_float("DATABASE_RANDOM_PAGE_COST", 1.1, above=0)
        given = options.get("options", "")
        options["options"] = f"-c random_page_cost={page_cost:g} {given}".strip()
        # The statements nearly every page sends are prepared: parsed and planned once a
        # connection (operations/statements.py). Off behind a pooler in transaction mode that
        # cannot keep them (PgBouncer before 1.21, or without max_prepared_statements). Django's
        # own cursors bind in the client and are never prepared either way. (5 is psycopg's
        # default; the cursor that prepares does so on a statement's first run.)
        prepared = env_bool("DATABASE_PREPARED_STATEMENTS", True)
        options.setdefault("prepare_threshold", 5 if prepared else None)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers at once (two uploads, a save during a login) without "database is locked":
    # WAL lets readers go on beside the one writer; a transaction that writes takes the write lock
    # when it begins (IMMEDIATE), so that it waits its turn (timeout, in seconds) rather than fail
    # when it reaches its first write after another writer began. NORMAL is safe under WAL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes refuses a login while its username and address are locked (below), then Django's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",  # Django's ModelBackend, the session's user from the cache
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:home"
LOGOUT_REDIRECT_URL = "cases:home"

# Failed logins, on the site's login page and the admin's alike (django-axes; README: Logins).
# A username at one address is locked after LOGIN_FAILURE_LIMIT failures, so that a colleague's
# typos lock out nobody else at the department's shared address; the address as a whole after
# LOGIN_ADDRESS_FAILURE_LIMIT, across usernames (accounts/throttling.py). Each lock lifts
# LOGIN_COOLOFF_MINUTES after its latest failure, or when an editor deletes its access attempt.
AXES_HANDLER = "accounts.throttling.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # the handler reads this order
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # the throttle needs the failures, not a record of every login
# The client's address is the connection's, unless the one reverse proxy in front is trusted to
# append it to X-Forwarded-For: then the right-most entry, which a client cannot forge.
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if env_bool("TRUST_X_FORWARDED_FOR", False)
    else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Media on S3-compatible object storage when S3_BUCKET is set (repository/storage.py; README
# "Object storage"): files are then served by a redirect to a presigned URL living S3_URL_SECONDS.
S3_BUCKET = env_str("S3_BUCKET", "")
S3_URL_SECONDS = env_int("S3_URL_SECONDS", 60, minimum=2)
if S3_URL_SECONDS > 7 * 24 * 3600:
    raise ImproperlyConfigured("S3_URL_SECONDS: at most 604800 (a week, S3's longest)")
DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
OBJECT_STORE_ORIGINS = []  # where images are redirected to, for the Content-Security-Policy
if S3_BUCKET:
    try:
        from repository import storage as object_store
    except ImportError as e:
        raise ImproperlyConfigured(f"S3_BUCKET: needs pip install '.[s3]' ({e})") from e

    DEFAULT_STORAGE = {
        "BACKEND": "repository.storage.ObjectStore",
        "OPTIONS": object_store.options(
            bucket=S3_BUCKET, endpoint_url=env_str("S3_ENDPOINT_URL", ""),
            region=env_str("S3_REGION", ""), access_key=env_str("S3_ACCESS_KEY_ID", ""),
            secret_key=env_str("S3_SECRET_ACCESS_KEY", ""), url_seconds=S3_URL_SECONDS,
            prefix=env_str("S3_PREFIX", ""),
        ),
    }
    OBJECT_STORE_ORIGINS = object_store.origins(
        S3_BUCKET, env_str("S3_ENDPOINT_URL", ""), env_str("S3_REGION", "")
    )
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

DATA_UPLOAD_MAX_NUMBER_FILES = MAX_FILES_PER_UPLOAD
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The project's working files, never served: the journals of uploads in flight and Django's
# temporary upload files, where `manage.py sweep_orphans` finds what a crashed process left.
WORK_DIR = Path(env_str("WORK_DIR", str(BASE_DIR / "var")))
FILE_UPLOAD_TEMP_DIR = str(WORK_DIR / "uploads")
# Studies sent from a PACS (manage.py dicom_receiver, pacs/receiver.py) and over DICOMweb
# STOW-RS (pacs/views.py). The limits protect the server from one caller.
DICOM_AE_TITLE = env_str("DICOM_AE_TITLE", "TEACHING")
DICOM_BIND = env_str("DICOM_BIND", "127.0.0.1")
DICOM_PORT = env_int("DICOM_PORT", 11112, minimum=1)
DICOM_MAX_PDU = env_int("DICOM_MAX_PDU", 262_144, minimum=4096)
DICOM_MAX_ASSOCIATIONS = env_int("DICOM_MAX_ASSOCIATIONS", 4, minimum=1)
DICOM_MAX_INSTANCES = env_int("DICOM_MAX_INSTANCES", MAX_FILES_PER_UPLOAD, minimum=1)
DICOM_MAX_ASSOCIATION_MB = env_int("DICOM_MAX_ASSOCIATION_MB", MAX_UPLOAD_TOTAL_MB, minimum=1)
DICOM_IDLE_SECONDS = env_int("DICOM_IDLE_SECONDS", 60, minimum=1)
DICOM_MAX_ASSOCIATION_SECONDS = env_int("DICOM_MAX_ASSOCIATION_SECONDS", 3600, minimum=1)
STOW_MAX_MB = env_int("STOW_MAX_MB", 1024, minimum=1)
if len(DICOM_AE_TITLE) > 16 or not DICOM_AE_TITLE.strip() or "\\" in DICOM_AE_TITLE:
    raise ImproperlyConfigured("DICOM_AE_TITLE: 1 to 16 characters, no backslash")

FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "viewer.inflight.LockedTemporaryFileUploadHandler",
]

# Background jobs through Django's Tasks API (the django-tasks backport): every upload is staged
# and published by a job (viewer/jobs.py). By default the queue is a table of this database,
# served by `manage.py db_worker`; any backend of the API may replace it (README: "Background
# jobs"). An upload's files wait for the worker in the object store (S3_BUCKET), else in WORK_DIR,
# which the worker then shares with the web server (viewer/job_files.py).
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
if "." not in TASKS_BACKEND:
    raise ImproperlyConfigured("TASKS_BACKEND: a dotted path to a Tasks API backend class")
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
# How often an idle `db_worker` asks the queue for a job (viewer/management/commands/db_worker.py):
# an upload waits half of it on average before it starts; each ask is one indexed query.
TASKS_POLL_MS = env_int("TASKS_POLL_MS", 200, minimum=10)


def _cache(url, key_prefix):
    """The cache the homepage statistics and the browse results live in (cases/statistics.py,
    cases/results.py). Empty: this process's memory. Several gunicorn workers may share Redis,
    so that each page is computed once for all of them. Either way a case saved through one
    worker makes every worker's cached pages stale at once: they are keyed by a version read
    from the database (cases/caching.py)."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "repository", "KEY_PREFIX": key_prefix}
    if url.split("://")[0] not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured("CACHE_URL: use redis://host:6379/0 (or leave it empty)")
    # Django's Redis backend, reusing one client per connection pool (cases/caching.py).
    return {"BACKEND": "cases.caching.RedisCache", "LOCATION": url, "KEY_PREFIX": key_prefix}


def _local_cache(url):
    """Each process's own copies of the rendered pages it read from Redis (cases/results.py):
    they are keyed by the content version, so they are never stale, and a hit needs no round trip
    for the page itself. Bounded, least recently used first out: 500 pages of 10-60 kB. Without
    CACHE_URL the shared cache already is this process's memory, so there is no second tier."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages", "OPTIONS": {"MAX_ENTRIES": 500}}


CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": _cache(CACHE_URL, env_str("CACHE_KEY_PREFIX", "repository")),
    "local": _local_cache(CACHE_URL),
}
# A logged-in reader's session is read on every page: from the shared Redis it costs no
# database query (the database still holds it, written through). Never from each process's own
# memory: a session logged out through one worker would live on in the others.
SESSION_ENGINE = "accounts.sessions" if CACHE_URL else "django.contrib.sessions.backends.db"
# The session's user too, with a stamp that every change to the user draws anew
# (accounts/cached_users.py), read in the same round trip as the session (accounts/sessions.py):
# a logged-in page sends no query for its reader. Not from each process's own memory, for the
# same reason as the sessions.
CACHE_USERS = bool(CACHE_URL)

# Security headers. HTTPS-only settings follow DEBUG so a local run over http still works.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The preload directive only makes the domain eligible; submitting it to browsers is manual.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)

# Templates carry no inline script or event handler, so scripts may come from this origin only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *OBJECT_STORE_ORIGINS],
        # The viewer's worker fetches stored values, redirected to the object store with S3.
        "connect-src": [SELF, *OBJECT_STORE_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs go to the console: text for a developer, or one JSON object a line (LOG_FORMAT=json, what
# deploy/ sets) for a journal or a log shipper. operations.middleware logs each request once;
# django.request only logs errors (with their traceback), not a second line for every 404.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT: expected text or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, in UTC
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"}
        if LOG_FORMAT == "text"
        else {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # WeasyPrint logs each step of every PDF handout at INFO: noise, not news.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
