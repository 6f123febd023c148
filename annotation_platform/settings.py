"""One settings module, driven by environment variables.

Development needs nothing configured: SQLite in the project folder, Celery jobs run
in-process after commit, media on the local disk and a secret key generated once into an
ignored file. Production (DEBUG off) fails fast when the secret key is missing.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A per-checkout development key: generated once, kept out of git (.gitignore), so no
    # key is ever hard-coded and sessions survive restarts of the dev server.
    key_file = BASE_DIR / ".dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "rubrics",
    "tasks",
    "quality",
    "reviews",
    "metrics",
    "imports",
    "exports",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "annotation_platform.urls"
WSGI_APPLICATION = "annotation_platform.wsgi.application"
ASGI_APPLICATION = "annotation_platform.asgi.application"

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that needs no round trip (see its docstring).
    DATABASES["default"]["ENGINE"] = "annotation_platform.db.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves a single small team: WAL and a busy timeout let the dev server, the
    # in-process jobs and a test's live server share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local").lower()
if MEDIA_STORAGE == "local":
    _media_backend: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    # Any S3-compatible bucket (AWS, MinIO, Ceph...) through django-storages.
    _bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not _bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _media_backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE={MEDIA_STORAGE!r}: use 'local' or 's3'.")

STORAGES = {
    "default": _media_backend,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the workspace's fetch() calls read it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Token scopes only ever narrow what the user's role allows (accounts/scopes.py).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TokenScopePermission",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "annotation_platform.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "annotation_platform.api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": (
        "annotation_platform.api.negotiation.ApiContentNegotiation"
    ),
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Annotation Platform API",
    "DESCRIPTION": (
        "Projects, memberships, tasks, submissions, rubrics and reviews for AI "
        "post-training data. Authenticate with `Authorization: Bearer <token>` using a "
        "personal API token, or with the browser session (CSRF required)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files: the docs work offline and load no third-party JS.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "tasks.models.Role",
        "ProjectStatusEnum": "tasks.models.ProjectStatus",
        "RubricVersionStatusEnum": "rubrics.models.VersionStatus",
        "ExportFormatEnum": "exports.models.ExportFormat",
    },
}

# --- Celery -----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without Redis, jobs run in-process; they are still enqueued with transaction.on_commit,
# so they run right after the commit that created their rows, exactly as on a worker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every job unless this is
# set: a check worker then opened a PostgreSQL backend per job (937 for 962 jobs under
# W2), more CPU than the checks. Keep it; annotation_platform.celery still drops a
# connection that broke or outlived CONN_MAX_AGE after each job, as Django does per request.
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "1000"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "600"))
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "540"))
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "qa")
CELERY_TASK_ROUTES = {"quality.jobs.*": {"queue": "qa"}}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Imports and exports of a million rows take longer than the default limit; their jobs set
# these limits themselves.
IMPORT_JOB_TIME_LIMIT = int(os.environ.get("IMPORT_JOB_TIME_LIMIT", str(3 * 3600)))
EXPORT_JOB_TIME_LIMIT = int(os.environ.get("EXPORT_JOB_TIME_LIMIT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Unacked jobs of a dead worker come back after this many seconds; it must exceed the
    # longest job's time limit or a slow job would run twice.
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, IMPORT_JOB_TIME_LIMIT, EXPORT_JOB_TIME_LIMIT)
    + 60,
}
# Publishing must not hang a trainer's submit when Redis is down: fail fast, and let the
# quality sweep re-send what was not sent.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Quality-check jobs leave each web process in batches (annotation_platform/queueing.py):
# one message per interval and job instead of one per submission.
QUEUE_BATCH_SECONDS = float(os.environ.get("QUEUE_BATCH_SECONDS", "0.2"))
QUEUE_BATCH_MAX = int(os.environ.get("QUEUE_BATCH_MAX", "50"))
# How long a process may remember an API token it verified (PostgreSQL; 0: never). Any
# change to a token or user makes every process forget them at once (accounts.token_cache).
API_TOKEN_CACHE_SECONDS = float(os.environ.get("API_TOKEN_CACHE_SECONDS", "300"))
# A check job also takes up to this many other pending runs (oldest first): under a
# backlog, batches grow and the messages behind find their runs done (0: only its own).
QA_BATCH_TAKE_MORE = int(os.environ.get("QA_BATCH_TAKE_MORE", "200"))
# A check worker lets a message's runs reach this age (seconds since submit) before it
# judges them, so the runs submitted meanwhile join the same batch: a batch's costs are
# mostly fixed (settings, a dozen queries, one insert), and a worker that keeps up would
# otherwise judge a few runs at a time. Latency for throughput (docs/quality.md); 0: none.
QA_BATCH_GATHER_SECONDS = float(os.environ.get("QA_BATCH_GATHER_SECONDS", "1.0"))
# Fault injection for the worker-crash tests only: seconds a quality job waits before work.
QA_JOB_DELAY_SECONDS = float(os.environ.get("QA_JOB_DELAY_SECONDS", "0"))
CELERY_BEAT_SCHEDULE = {
    "sweep-unchecked-submissions": {
        "task": "quality.jobs.checks_sweep",
        "schedule": 120.0,
        # A sweep still queued when the next is due is dropped, not run twice.
        "options": {"expires": 110},
    },
    "expire-task-leases": {"task": "tasks.jobs.leases_expire", "schedule": 60.0},
    "refresh-stale-metrics": {"task": "metrics.jobs.stale_metrics_refresh", "schedule": 60.0},
    "sweep-webhook-deliveries": {
        "task": "integrations.jobs.webhook_deliveries_sweep",
        "schedule": 60.0,
    },
    "purge-expired-api-tokens": {
        "task": "accounts.jobs.api_tokens_purge_expired",
        "schedule": 3600.0,
    },
}

# --- Webhooks ---------------------------------------------------------------------------
# Deliveries never reach loopback, private, link-local or metadata addresses unless the
# site admin opens them here (checked at save time and again after DNS at each delivery).
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS")  # host names, IPs or CIDRs
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "6"))
WEBHOOK_RETRY_BASE_SECONDS = 60
WEBHOOK_RETRY_MAX_SECONDS = 3600
WEBHOOK_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_AFTER_FAILURES", "5"))
SITE_URL = os.environ.get("SITE_URL", "")  # makes the URLs in webhook payloads absolute

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
