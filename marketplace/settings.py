"""Settings, read from the environment with embedded defaults for the one-command run.

Without any environment the marketplace runs on a SQLite file, a filesystem Celery
broker (no server needed, but a real worker and beat), local-disk file storage and
console e-mail. `DATABASE_URL`, `REDIS_URL`, `AWS_*` and `EMAIL_URL` switch each part to
its production shape. `DJANGO_ENV=production` refuses to start without `SECRET_KEY`
and `ALLOWED_HOSTS` and turns on the secure defaults that `check --deploy` asks for.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            f"Production mode needs these environment variables: {', '.join(missing)}"
        )
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghij"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Fernet keys for secrets at rest (sellers' access keys), newest first; unset: derived from
# SECRET_KEY (marketplace/core/crypto.py). Generate one with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# A failed CSRF check gets the site's 403 page (templates/403_csrf.html) with the top bar.
CSRF_FAILURE_VIEW = "marketplace.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "marketplace.accounts.axes_config.AxesConfig",  # django-axes, with a translated name
    "marketplace.accounts",
    "marketplace.core",
    "marketplace.catalog",
    "sellers",
    "buyers",
    "orders",
    "supervision",
    "settlement",
    "invoices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF, forms, the API): a too-large one is a 413.
    "marketplace.core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a log-in refused by django-axes into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

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
                "django.template.context_processors.i18n",
                "marketplace.core.context_processors.navigation",
            ],
        },
    },
    {
        # `templates/**/*.jinja`: the product page's body (marketplace/catalog/jinja.py)
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "marketplace.catalog.jinja.environment"},
    },
]

# --- Database: SQLite file by default, DATABASE_URL for PostgreSQL ---------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'marketplace.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (README, "Performance: connections"): on PostgreSQL opening a
# connection costs more than most requests, so each process keeps its connection for
# DB_CONN_MAX_AGE seconds and checks it before reusing it (a restarted database or a
# dropped connection costs one failed check, never a failed request). SQLite opens a file:
# nothing to keep. `?conn_max_age=` in DATABASE_URL wins over both.
_keeps_connections = PRODUCTION or DATABASES["default"]["ENGINE"].endswith("postgresql")
_conn_max_age = env.int("CONN_MAX_AGE", default=60 if _keeps_connections else 0)  # older name
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=_conn_max_age))
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS",
    env.bool("DB_CONN_HEALTH_CHECKS", default=bool(DATABASES["default"]["CONN_MAX_AGE"])),
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # Django's backend, with a health check that asks the socket before it sends a
    # `SELECT 1` (core/postgresql/base.py; README, "Performance: connections").
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "marketplace.core.postgresql"
    # psycopg prepares no statement by itself (as Django's default, None, which would
    # also refuse the ones asked for): only the hot reads that ask (core/rawload.py
    # `fetch(prepare=True)`) are prepared, once per connection.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "buyer:dashboard"
LOGOUT_REDIRECT_URL = "home"

# --- Log-in throttling (django-axes) ------------------------------------------------------
# Every log-in goes through authenticate(request=...): the site's and the admin's log-in
# pages and the API's basic auth (marketplace.accounts.api_auth). Failures are kept in the
# database, so the count holds across gunicorn workers and hosts. An account is locked
# after AXES_FAILURE_LIMIT failures from anywhere, and a client address after as many
# failures on any accounts; both for AXES_COOLOFF_TIME after the last failure (an operator
# unlocks earlier in the admin, "Log-in throttling › access attempts", or
# `manage.py axes_reset_username`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe the client's failures: one valid account of its own would let
# an attacker go on guessing other accounts' passwords from the same address.
AXES_RESET_ON_SUCCESS = False
# "Bob", "ｂｏｂ" and "bob" are one account, so they are one counter.
AXES_USERNAME_CALLABLE = "marketplace.accounts.throttling.axes_username"
AXES_CLIENT_IP_CALLABLE = "marketplace.accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "marketplace.accounts.throttling.lockout_response"
AXES_VERBOSE = False
# Requests behind this many trusted reverse proxies: the client is the address the
# outermost of them saw (the Nth from the right in X-Forwarded-For). 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Password-reset e-mails: at most this many per hour for one client address and for one
# e-mail address (cache counters: Redis in production, so every worker sees them).
PASSWORD_RESET_RATE_PER_HOUR = env.int("PASSWORD_RESET_RATE_PER_HOUR", default=5)
# E-mail verification: the signed link's lifetime, and resends per hour.
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_MAX_AGE", default=3 * 24 * 3600)
EMAIL_VERIFICATION_RESENDS_PER_HOUR = 3

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache: local memory by default, Redis when REDIS_URL is set ------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Django's Redis backend, without a new client per call (marketplace/core/cache_redis.py)
    CACHES = {
        "default": {"BACKEND": "marketplace.core.cache_redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Per process. Django's default of 300 entries is a few dozen catalog pages' worth:
    # rendered product bodies, API details and cards (README › Performance: catalog
    # pages) would evict each other at once. 20,000 entries of a few kB each.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env.int("LOCMEM_CACHE_MAX_ENTRIES", default=20_000)},
        }
    }

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"  # business dates are Beijing time
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"


def _xstatic_dir(module: str) -> str:
    """Where an installed XStatic package keeps its files (Bootstrap comes from PyPI)."""
    import importlib

    return importlib.import_module(module).BASE_DIR


STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", _xstatic_dir("xstatic.pkg.bootstrap")),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible object storage (AWS, MinIO, OBS ...) through django-storages.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # Presigned URLs with SigV4 (some S3-compatible endpoints default to v2).
            "signature_version": "s3v4",
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
# Private documents (business licences, authorization letters): never under MEDIA_ROOT,
# never given a public URL. Pages link to them through marketplace.core.private_files,
# which checks who asks and then streams the file (local disk) or redirects to a
# presigned URL that expires after PRIVATE_FILE_URL_EXPIRE seconds (S3).
PRIVATE_FILES_ROOT = env.str("PRIVATE_FILES_ROOT", default=str(VAR_DIR / "private"))
if Path(PRIVATE_FILES_ROOT).resolve().is_relative_to(Path(MEDIA_ROOT).resolve()):
    raise ImproperlyConfigured("PRIVATE_FILES_ROOT must not be inside MEDIA_ROOT.")
PRIVATE_FILE_LINK_MAX_AGE = env.int("PRIVATE_FILE_LINK_MAX_AGE", default=3600)
PRIVATE_FILE_URL_EXPIRE = env.int("PRIVATE_FILE_URL_EXPIRE", default=300)
if AWS_STORAGE_BUCKET_NAME:
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_default_storage["OPTIONS"],
            # The media bucket by default; a bucket of its own keeps them apart further.
            "bucket_name": env.str(
                "AWS_PRIVATE_STORAGE_BUCKET_NAME", default=AWS_STORAGE_BUCKET_NAME
            ),
            "location": "private",
            "querystring_auth": True,
            "querystring_expire": PRIVATE_FILE_URL_EXPIRE,
            "custom_domain": None,  # a CDN domain would hand out unsigned URLs
        },
    }
else:
    _private_storage = {
        "BACKEND": "marketplace.core.private_files.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_FILES_ROOT},
    }
STORAGES = {
    "default": _default_storage,
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Request bodies (README › Limits). Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled
# to a temporary file instead of memory; the form fields of a request (and, through
# RequestBodyLimitMiddleware, any body that is not a multipart upload, e.g. the API's
# JSON) may not exceed DATA_UPLOAD_MAX_MEMORY_SIZE; a whole multipart request may not
# exceed MAX_REQUEST_BODY_BYTES (set below, with the file sizes). Each is checked against
# Content-Length before the body is read. The reverse proxy bounds it too.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail: console by default, EMAIL_URL (smtp://user:pass@host:587) in production ---
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="marketplace@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery: filesystem broker by default (no server), Redis when REDIS_URL is set ------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # else kombu writes ./control/
        "store_processed": False,
    }
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=CELERY_BROKER_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "marketplace.core.tasks.heartbeat", "schedule": 60.0},
    # Notifications lost between commit and enqueue, or out of retries, go out again.
    "resend-pending-notifications": {
        "task": "marketplace.core.tasks.resend_pending_notifications",
        "schedule": 300.0,
    },
    # Orders not paid by `pay_by` are cancelled and give their stock back (idempotent).
    "orders-expire-unpaid": {
        "task": "orders.tasks.checkout.expire_unpaid_orders",
        "schedule": 60.0,
    },
    # Provisioning calls whose after-commit kick was lost (broker restart), retries that
    # came due and lapsed claims: the sweeper enqueues dispatch tasks while rows are due.
    # ISV_SWEEP_SECONDS: bench/provisioning.py sweeps every second (short backoffs).
    "dispatch-provisioning-calls": {
        "task": "orders.tasks.checkout.sweep_provisioning_calls",
        "schedule": env.float("ISV_SWEEP_SECONDS", default=30.0),
    },
    # Succeeded calls older than ISV_CALL_RETENTION_DAYS are deleted with their attempts.
    "provisioning-calls-purge": {
        "task": "orders.tasks.checkout.purge_provisioning_calls",
        "schedule": crontab(minute=40, hour=3),
    },
    # Products whose interface failed more than 5 orders this month are delisted
    # (also checked after each failure; this catches a lost kick). Idempotent.
    "products-interface-health": {
        "task": "orders.tasks.checkout.check_all_interface_health",
        "schedule": 3600.0,
    },
    # Subscription lifecycle (orders/tasks/lifecycle.py); each job is idempotent.
    "subscriptions-remind-expiring": {
        "task": "orders.tasks.lifecycle.remind_expiring_subscriptions",
        "schedule": 3600.0,
    },
    "subscriptions-freeze-expired": {
        "task": "orders.tasks.lifecycle.freeze_expired_subscriptions",
        "schedule": 300.0,
    },
    "subscriptions-release-frozen": {
        "task": "orders.tasks.lifecycle.release_frozen_subscriptions",
        "schedule": 900.0,
    },
    "unsubscriptions-hardware-deadlines": {
        "task": "orders.tasks.lifecycle.hardware_return_deadlines",
        "schedule": 900.0,
    },
    # Monthly credit bills for the previous Beijing month (idempotent: unique per buyer
    # and month); hourly on the 1st, so a missed run is caught up the same day.
    # 04 › Product monitoring: each listed product's saved interface test cases, morning
    # and afternoon Beijing time; a day passes if either run passed (orders/isv/probe.py).
    "isv-probe-product-interfaces": {
        "task": "orders.tasks.isv.probe_product_interfaces",
        "schedule": crontab(minute=0, hour="9,15"),
    },
    "buyers-issue-credit-bills": {
        "task": "buyers.tasks.issue_credit_bills",
        "schedule": crontab(minute=5, day_of_month="1"),
    },
    # Settlement (06): the billing run of the previous Beijing month, on the 1st at 02:30,
    # again at 08:30 and 14:30 to catch up a missed or crashed run (idempotent; the task
    # skips a period already finished).
    "settlement-monthly-run": {
        "task": "settlement.tasks.run_monthly_settlement",
        "schedule": crontab(minute=30, hour="2,8,14", day_of_month="1"),
    },
    # Service supervision (supervision/tasks.py); each job is idempotent and safe in two
    # workers. Orders of accepted cases complete within 3 hours (05): every 30 minutes.
    "supervision-flag-overdue": {
        "task": "supervision.tasks.flag_overdue_cases",
        "schedule": 900.0,
    },
    "supervision-complete-orders": {
        "task": "supervision.tasks.complete_supervised_orders",
        "schedule": 1800.0,
    },
    "supervision-hardware-auto-accept": {
        "task": "supervision.tasks.auto_accept_hardware",
        "schedule": 1800.0,
    },
    "supervision-poll-logistics": {
        "task": "supervision.tasks.poll_logistics",
        "schedule": 3600.0,
    },
    # Invoicing (invoices/tasks.py): requests not issued within 7 days are flagged once;
    # invoiced orders refunded since get their red-letter invoice recorded.
    "invoices-flag-overdue": {
        "task": "invoices.tasks.flag_overdue_invoices",
        "schedule": 900.0,
    },
    "invoices-record-red-letters": {
        "task": "invoices.tasks.record_red_letters",
        "schedule": 900.0,
    },
}

# --- REST framework ------------------------------------------------------------------------
# Active (neither revoked nor expired) personal API tokens an account may hold.
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=10)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Basic auth through authenticate(request=...), so django-axes counts its failures.
        # First, so that a refused call answers 401 with its `WWW-Authenticate` challenge
        # (DRF takes the challenge from the first class; session auth has none: 403).
        "marketplace.accounts.api_auth.ThrottledBasicAuthentication",
        # Personal API tokens, `Authorization: Bearer mkt_…` (README › API tokens).
        "marketplace.accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Open Marketplace API",
    "DESCRIPTION": "Catalog, seller and open APIs of the cloud-software marketplace.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a "status" field with different choices: name their enums apart.
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "marketplace.catalog.models.Product.Status",
        "ProductVersionStatusEnum": "marketplace.catalog.models.ProductVersion.Status",
        "PaymentMethodEnum": "orders.services.checkout.PAYMENT_METHODS",
        "HttpMethodEnum": "marketplace.catalog.models.ApiEndpoint.Method",
    },
}

# --- Business settings (spec decisions kept configurable) -----------------------------------
# 01-sellers: store certificate image width (the seed is cut off at "宽度为9…").
STORE_CERTIFICATE_WIDTH = env.int("STORE_CERTIFICATE_WIDTH", default=990)
STORE_IMAGE_SIZE = (780, 440)
MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_VIDEO_BYTES = env.int("MAX_VIDEO_BYTES", default=100 * 1024 * 1024)
MAX_DOCUMENT_BYTES = env.int("MAX_DOCUMENT_BYTES", default=20 * 1024 * 1024)
# A whole multipart request: the largest form (store page: a video, five images and a
# certificate) with room to spare. Keep the proxy's limit (nginx client_max_body_size)
# at or above it.
MAX_REQUEST_BODY_BYTES = env.int(
    "MAX_REQUEST_BODY_BYTES", default=MAX_VIDEO_BYTES + 50 * 1024 * 1024
)

# 03-orders › Renew / Unsubscribe (subscription lifecycle, orders/services/subscriptions.py).
# Days before expiry when the buyer is reminded once (e-mail), so there is time to renew.
EXPIRY_REMINDER_DAYS = env.int("EXPIRY_REMINDER_DAYS", default=7)
# Grace period between freezing at expiry and releasing the instance: 15 days, half a
# monthly period — long enough to cover a payment run, a holiday or an approval cycle in
# a company, short enough that sellers don't keep frozen resources for long (cloud
# providers keep 7–15 days). A renewal during the grace period unfreezes the instance.
SUBSCRIPTION_GRACE_DAYS = env.int("SUBSCRIPTION_GRACE_DAYS", default=15)
# Transaction guarantee period 交易担保期 after payment: the buyer may ask for a refund by
# negotiation. 7 days, as consumer "no reason" returns: enough to try the service.
GUARANTEE_DAYS = env.int("GUARANTEE_DAYS", default=7)
# Hardware returns (03 › Hardware unsubscribe): the buyer ships back within 10 days of the
# seller's approval, the seller inspects within 15 days of the goods arriving.
HARDWARE_RETURN_DAYS = env.int("HARDWARE_RETURN_DAYS", default=10)
HARDWARE_INSPECT_DAYS = env.int("HARDWARE_INSPECT_DAYS", default=15)

# 03-orders › Buying: minutes a buyer has to pay an order before it is cancelled and its
# stock returns to the spec.
ORDER_PAY_MINUTES = env.int("ORDER_PAY_MINUTES", default=30)
# 04: the class that sends provisioning calls (orders/provisioning.py › Dispatcher); the
# default sends nothing and reports success.
PROVISIONING_DISPATCHER = env.str(
    "PROVISIONING_DISPATCHER", default="orders.isv.dispatcher.HttpDispatcher"
)
# 04 › Retries (orders/isv/dispatcher.py): the timeout of one call, the retry window per
# call type, exponential backoff with full jitter (base × 2^(n−1), capped), the poll of
# an asynchronous newInstance, how long succeeded calls are kept, the short timeout of
# the queryInstance refresh when a buyer opens a purchased service.
ISV_TIMEOUT_SECONDS = env.float("ISV_TIMEOUT_SECONDS", default=5.0)
# Exchanges of one claimed batch made at once by a worker process (threads: I/O only).
ISV_PARALLEL_SENDS = env.int("ISV_PARALLEL_SENDS", default=8)
ISV_WINDOW_NEW_INSTANCE_HOURS = env.float("ISV_WINDOW_NEW_INSTANCE_HOURS", default=3)
ISV_WINDOW_UPGRADE_HOURS = env.float("ISV_WINDOW_UPGRADE_HOURS", default=3)
ISV_WINDOW_OTHER_HOURS = env.float("ISV_WINDOW_OTHER_HOURS", default=1)
ISV_BACKOFF_BASE_SECONDS = env.float("ISV_BACKOFF_BASE_SECONDS", default=30)
ISV_BACKOFF_CAP_SECONDS = env.float("ISV_BACKOFF_CAP_SECONDS", default=1200)
ISV_POLL_INTERVAL_SECONDS = env.float("ISV_POLL_INTERVAL_SECONDS", default=15)
ISV_CALL_RETENTION_DAYS = env.int("ISV_CALL_RETENTION_DAYS", default=90)
ISV_QUERY_TIMEOUT_SECONDS = env.float("ISV_QUERY_TIMEOUT_SECONDS", default=2.0)
# How long a claimed call stays "sending" before another worker may claim it again (its
# worker died mid-send: orders/provisioning.py › claim_lease); the fault tests shorten it.
ISV_CLAIM_LEASE_SECONDS = env.float("ISV_CLAIM_LEASE_SECONDS", default=600)
# Reference §1.0 product monitoring: more failed orders than this in a Beijing month →
# the product is delisted automatically (orders/isv/health.py).
ISV_MAX_FAILED_ORDERS_PER_MONTH = env.int("ISV_MAX_FAILED_ORDERS_PER_MONTH", default=5)
# 04 › Credentials: where the marketplace may send provisioning calls
# (marketplace/core/netguard.py). Production: HTTPS on port 443 to a domain name whose
# every address is public. Elsewhere http and loopback are allowed (the sample ISV runs on
# http://127.0.0.1:8001).
ISV_ALLOW_HTTP = env.bool("ISV_ALLOW_HTTP", default=not PRODUCTION)
ISV_ALLOW_PRIVATE_ADDRESSES = env.bool("ISV_ALLOW_PRIVATE_ADDRESSES", default=not PRODUCTION)
# The production URL `seed_isv` (demo data) registers for the demo sellers' products: the
# sample ISV that `make run` starts (Procfile.dev, process `isv`).
SAMPLE_ISV_URL = env.str("SAMPLE_ISV_URL", default="http://127.0.0.1:8001/produce")
# Joint-operation SaaS: the domain name a bound enterprise gets is <tenant code>.<suffix>
# (tenantSync's domainName, isv-api-reference §1.9).
TENANT_DOMAIN_SUFFIX = env.str("TENANT_DOMAIN_SUFFIX", default="tenants.localhost")
# Hours a rotated access key stays valid beside its successor.
ACCESS_KEY_ROTATION_OVERLAP_HOURS = env.int("ACCESS_KEY_ROTATION_OVERLAP_HOURS", default=24)
# 04 › Open API for sellers' servers (orders/openapi): requests per access key (DRF rate,
# MKT.0250 above it), the X-Sdk-Date / usage `ts` clock window (isv-api-reference §2.5),
# and the largest uploaded file. A signed request's body is hashed in memory, so an upload
# must also fit DATA_UPLOAD_MAX_MEMORY_SIZE (10 MB) with its multipart envelope: 8 MB.
OPEN_API_RATE = env.str("OPEN_API_RATE", default="600/min")
OPEN_API_CLOCK_SKEW_MINUTES = env.int("OPEN_API_CLOCK_SKEW_MINUTES", default=15)
OPEN_API_UPLOAD_MAX_BYTES = env.int("OPEN_API_UPLOAD_MAX_BYTES", default=8 * 1024 * 1024)

# 05-supervision (supervision/flows.py, services). License-code orders placed before this
# Beijing date follow the older buyer-confirms flow; hardware is accepted automatically
# this many days after it was signed for (phones matching); after this many rejections
# the buyer is steered to appeal; the seller may appeal when the buyer's acceptance step
# has not moved for this many days; a product without declared average delivery days
# gets this implementation time; evidence files up to this size.
SUPERVISION_LICENSE_CODE_CUTOVER = env.str("SUPERVISION_LICENSE_CODE_CUTOVER", default="2024-09-14")
SUPERVISION_HARDWARE_AUTO_ACCEPT_DAYS = env.int("SUPERVISION_HARDWARE_AUTO_ACCEPT_DAYS", default=10)
SUPERVISION_REJECTIONS_BEFORE_APPEAL = env.int("SUPERVISION_REJECTIONS_BEFORE_APPEAL", default=3)
SUPERVISION_SELLER_APPEAL_AFTER_DAYS = env.int("SUPERVISION_SELLER_APPEAL_AFTER_DAYS", default=7)
SUPERVISION_DEFAULT_DELIVERY_DAYS = env.int("SUPERVISION_DEFAULT_DELIVERY_DAYS", default=7)
SUPERVISION_EVIDENCE_MAX_BYTES = env.int("SUPERVISION_EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# How a shipment's "signed for" is learnt (supervision/logistics.py): by default a seller
# or an operator records it by hand.
SUPERVISION_LOGISTICS_PROVIDER = env.str(
    "SUPERVISION_LOGISTICS_PROVIDER", default="supervision.logistics.ManualProvider"
)

# 06 › Invoicing (invoices/, README › Invoicing). Orders placed from this moment (Beijing
# time) are invoiced by their seller, earlier ones by the marketplace; the issuer has this
# many calendar days; an e-invoice covers at most this amount (larger: paper); invoice
# files up to this size.
INVOICE_SELLER_ISSUES_FROM = env.str("INVOICE_SELLER_ISSUES_FROM", default="2018-11-01 00:00:00")
INVOICE_ISSUE_DAYS = env.int("INVOICE_ISSUE_DAYS", default=7)
INVOICE_E_INVOICE_MAX_AMOUNT = env.str("INVOICE_E_INVOICE_MAX_AMOUNT", default="100000.00")
INVOICE_FILE_MAX_BYTES = env.int("INVOICE_FILE_MAX_BYTES", default=10 * 1024 * 1024)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and container health checks probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every log-in at INFO; lockouts are WARNING and stay visible.
        "axes": {"level": "WARNING"},
    },
}

SITE_NAME = _("Open Marketplace")
# Where buyers and sellers write to the marketplace's support (the footer's contact page).
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@marketplace.example")
SUPPORT_PHONE = env.str("SUPPORT_PHONE", default="400-000-0000")
# Where people reach the site: links in e-mails are built from it (no request there).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Payments (buyers.payments): the provider wallet top-ups go through ---------------------
# "sandbox": our own stand-in provider page with Pay/Fail buttons and signed asynchronous
# notifications (HMAC-SHA256 with PAYMENT_SANDBOX_SECRET). Set a secret of its own anywhere
# the sandbox is reachable by others.
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="sandbox")
PAYMENT_SANDBOX_SECRET = env.str(
    "PAYMENT_SANDBOX_SECRET", default="dev-only-sandbox-secret-0123456789abcdef"
)
