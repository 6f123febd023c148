"""One settings module, driven by environment variables.

Development needs nothing configured: SQLite in the project folder, Celery jobs run
in-process after commit, media on the local disk and a secret key generated once into an
ignored file. Production (DEBUG off) fails fast when the secret key is missing.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
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
    "mediafiles",
    "axes",  # login throttling (accounts.throttling)
]

MIDDLEWARE = [
    "annotation_platform.operations.OperationsMiddleware",  # /healthz, /metrics; first
    "django.middleware.security.SecurityMiddleware",
    "annotation_platform.content_policy.ContentPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language cookie, else Accept-Language (after sessions, before CommonMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "annotation_platform.query_guard.QueryGuardMiddleware",  # NUL, huge numbers: a 400
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.language.UserLanguageMiddleware",  # a signed-in user's saved language wins
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "annotation_platform.outages.ServiceUnavailableMiddleware",
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
                "accounts.language.language_context",  # <html lang>, the switcher
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

# --- Languages ----------------------------------------------------------------------------
# English is the source language and the default for a browser that asks for nothing else.
# A user's saved language (accounts.User.language) wins, then the language cookie the header
# switcher sets, then Accept-Language (accounts/language.py). Catalogs live in locale/ and
# are compiled by `make` (`manage.py compile_locale`: msgfmt, or polib without gettext);
# the words are fixed by docs/i18n-glossary.md. Names are autonyms: the switcher shows each
# language in itself, whatever the page's language.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文（香港）"),  # noqa: RUF001 - Chinese punctuation, on purpose
]
LOCALE_PATHS = [BASE_DIR / "locale"]
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

# --- Media access (mediafiles) -----------------------------------------------------------
# /media/<key> is served to members of a project whose tasks reference the key. With S3 it
# answers a redirect to a presigned URL valid this long: long enough to load and seek a clip,
# short enough that a copied link is soon useless.
MEDIA_URL_EXPIRY_SECONDS = int(os.environ.get("MEDIA_URL_EXPIRY_SECONDS", "300"))

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

# --- Content policy -----------------------------------------------------------------------
# A Content-Security-Policy on every response (django-csp's middleware, extended by
# annotation_platform.content_policy): scripts and styles only from our static files, no
# inline script anywhere, nothing remote unless a project lists the host of its images
# (tasks.remote_media), which opens img-src/media-src (and connect-src, for the waveform)
# for that project's pages only.
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only, so an
# operator can watch what it would block (CSP_REPORT_URI collects the browsers' reports).
from urllib.parse import urlsplit as _urlsplit  # noqa: E402 - used by this section only

_csp_media_origins: list[str] = []
if MEDIA_STORAGE == "s3":
    # /media/ answers with a redirect to a presigned bucket URL: images and audio load
    # from the bucket, so its origin must be allowed where media are.
    _endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    _region = os.environ.get("AWS_S3_REGION_NAME", "")
    if _endpoint:
        _parts = _urlsplit(_endpoint)
        # path-style (MinIO and most S3-compatible stores) and virtual-hosted style
        _csp_media_origins += [
            f"{_parts.scheme}://{_parts.netloc}",
            f"{_parts.scheme}://{_bucket}.{_parts.netloc}",
        ]
    else:
        _csp_media_origins += [f"https://{_bucket}.s3.amazonaws.com"]
        if _region:
            _csp_media_origins += [f"https://{_bucket}.s3.{_region}.amazonaws.com"]
    if os.environ.get("AWS_S3_CUSTOM_DOMAIN"):
        _csp_media_origins += [f"https://{os.environ['AWS_S3_CUSTOM_DOMAIN']}"]

_csp_directives: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", *_csp_media_origins],
    "media-src": ["'self'", "blob:", *_csp_media_origins],
    # The waveform fetches the clip it draws (static/js/waveform.js): from /media/, which on
    # S3 redirects to the bucket (whose CORS rules must then allow this site).
    "connect-src": ["'self'", *_csp_media_origins],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if os.environ.get("CSP_REPORT_URI"):
    _csp_directives["report-uri"] = [os.environ["CSP_REPORT_URI"]]
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY: dict | None = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY: dict | None = {"DIRECTIVES": _csp_directives}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None

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
    # The browsable API only in development: in production it is a second UI to secure
    # (forms, scripts, the raw data of every endpoint) that no one needs.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # JSON bodies pass the input guard (annotation_platform/jsonguard.py): 400 naming the field.
    "DEFAULT_PARSER_CLASSES": [
        "annotation_platform.api.parsers.GuardedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
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
        # Imports and exports share their job states (queued … cancelled): one enum.
        "JobStatusEnum": "imports.models.ImportStatus",
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
    # Imports and exports whose worker died are ended within JOB_STALE_SECONDS + a minute.
    "sweep-stale-imports": {
        "task": "imports.jobs.imports_sweep_stale",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "sweep-stale-exports": {
        "task": "exports.jobs.exports_sweep_stale",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}

# --- Job heartbeats ---------------------------------------------------------------------
# A running import or export writes a heartbeat this often (seconds), from a thread with
# its own database connection (annotation_platform/heartbeat.py). One silent for
# JOB_STALE_SECONDS has lost its worker: the beat sweeps mark it failed (nothing of it is
# kept), instead of leaving it "running" until the broker's visibility timeout (hours).
# Keep JOB_STALE_SECONDS well above JOB_HEARTBEAT_SECONDS: a beat may be late while the
# database restarts or the worker's host is overloaded.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
JOB_STALE_SECONDS = float(os.environ.get("JOB_STALE_SECONDS", "180"))

# --- Login throttling -----------------------------------------------------------------
# Failed log-ins slow a client down, then lock the account and the address for a while
# (django-axes, counted in the database; accounts/throttling.py says how). Every failure is
# kept in the admin's "Access failures" (audit), every log-in in "Access logs".
AUTHENTICATION_BACKENDS = [
    "accounts.throttling.LoginThrottleBackend",  # first: refuses before a password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
LOGIN_COOLOFF_SECONDS = int(os.environ.get("LOGIN_COOLOFF_SECONDS", "900"))
if LOGIN_COOLOFF_SECONDS <= 0:
    raise ImproperlyConfigured("LOGIN_COOLOFF_SECONDS must be positive (a lock must end).")
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_COOLOFF_SECONDS)
# From this many failures on, each attempt waits 1, 2, 4... seconds after the last failure.
LOGIN_SLOWDOWN_AFTER = int(os.environ.get("LOGIN_SLOWDOWN_AFTER", "3"))
LOGIN_SLOWDOWN_MAX_SECONDS = int(os.environ.get("LOGIN_SLOWDOWN_MAX_SECONDS", "60"))
# Locking by username alone lets anyone lock a known account for the cool-off; locking by
# address alone locks a whole office behind one NAT. Both by default; with both off, the
# pair (this username from this address) is what gets locked.
_lock_by = [
    name
    for name, on in (
        ("username", env_bool("LOGIN_LOCK_BY_USERNAME", True)),
        ("ip_address", env_bool("LOGIN_LOCK_BY_IP", True)),
    )
    if on
]
AXES_LOCKOUT_PARAMETERS = _lock_by or [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
# X-Forwarded-For is only believed behind the operator's own proxy (the right-most
# TRUSTED_PROXY_HOPS entries are the ones their proxies wrote); by default, exactly when
# SECURE_PROXY_SSL_HEADER says such a proxy is there.
TRUST_X_FORWARDED_FOR = env_bool(
    "TRUST_X_FORWARDED_FOR", env_bool("SECURE_PROXY_SSL_HEADER", False)
)
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "1"))
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# An attempt refused during a lock is not checked, so it neither counts nor extends it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the failures: it would let a guesser with an account of their
# own reset the address's count between guesses. Failures age out after the cool-off.
AXES_RESET_ON_SUCCESS = False
# The log-in forms answer a throttled attempt themselves (message, 429, Retry-After), so
# axes' middleware, which would replace the page, is not installed.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

# --- API throttling -------------------------------------------------------------------
# Requests per user of a token-authenticated client, counted in the shared cache (Redis
# when REDIS_URL is set: one round trip per API call). The default is far above the work
# queue's real use (32 trainers at ~6 requests/s each); "off" disables it.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "1200/min")
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["accounts.throttling.ApiTokenRateThrottle"]
if REDIS_URL:
    # Shared by every web process, so a limit means the same behind several workers.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "ap",
            # Fail fast: the throttle stops counting when Redis is down (and says so).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# --- Outages ----------------------------------------------------------------------------
# What a client is told to wait when the database or the broker is unreachable (a 503,
# annotation_platform/outages.py).
OUTAGE_RETRY_AFTER_SECONDS = int(os.environ.get("OUTAGE_RETRY_AFTER_SECONDS", "10"))

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

# --- Hostile input ----------------------------------------------------------------------
# Every JSON entry point (API bodies, page forms, imports, cursors) refuses, with a 400
# naming the field, documents nested deeper than this and strings longer than this
# (annotation_platform/jsonguard.py; NUL, lone surrogates and non-finite or >64-bit
# numbers are always refused). API JSON bodies are capped at DATA_UPLOAD_MAX_MEMORY_SIZE.
JSON_MAX_DEPTH = int(os.environ.get("JSON_MAX_DEPTH", "64"))
JSON_MAX_STRING_CHARS = int(os.environ.get("JSON_MAX_STRING_CHARS", "1000000"))

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes announces its configuration at INFO on every start (manage.py included).
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}

# --- Operations -------------------------------------------------------------------------
# Log lines as one JSON object each (annotation_platform/logs.py), for log collectors.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").lower()
if LOG_FORMAT == "json":
    LOGGING["formatters"]["json"] = {"()": "annotation_platform.logs.JsonFormatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
elif LOG_FORMAT != "plain":
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use 'plain' or 'json'.")
# /metrics (annotation_platform/monitoring.py) answers only this bearer token or these
# addresses/networks (direct connections only); without either it is a 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")
for _entry in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_entry, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_entry!r} is not an address") from _exc
# Downloads of export archives and rejected import rows (annotation_platform/downloads.py):
# on S3 a presigned URL valid this long; with local storage behind nginx, this internal
# location prefix (e.g. /protected-media/, aliased to MEDIA_ROOT) is sent as
# X-Accel-Redirect so nginx sends the file instead of a gunicorn worker.
DOWNLOAD_URL_EXPIRY_SECONDS = int(os.environ.get("DOWNLOAD_URL_EXPIRY_SECONDS", "60"))
EXPORT_ACCEL_REDIRECT_PREFIX = os.environ.get("EXPORT_ACCEL_REDIRECT_PREFIX", "")
if EXPORT_ACCEL_REDIRECT_PREFIX and not (
    EXPORT_ACCEL_REDIRECT_PREFIX.startswith("/") and EXPORT_ACCEL_REDIRECT_PREFIX.endswith("/")
):
    raise ImproperlyConfigured("EXPORT_ACCEL_REDIRECT_PREFIX must start and end with '/'.")
