"""Huanxin settings, read from the environment.

With nothing set, a fresh checkout runs on SQLite with tasks run inline and mail printed
to the console. `DATABASE_URL` switches to PostgreSQL, `REDIS_URL` to Redis for the
Celery broker and the cache. With `DEBUG` off, `SECRET_KEY` and `ALLOWED_HOSTS` are
required.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated).")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "estates",
    "renovations",
    "governance",
]

MIDDLEWARE = [
    # Outermost, so that its duration and status cover every other middleware (config/logs.py).
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logs who was shown whose full phone number (PIPL), once per successful response.
    "estates.privacy.ContactReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "estates.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in the checkout unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "estates.User"

# Cache and Celery: Redis when REDIS_URL is set. Otherwise an in-process cache, and a Celery
# broker that needs no server: kombu's filesystem transport, messages as files in one folder
# (`make run` starts a worker and beat beside the web server). No result backend: tasks keep
# their state in the database. The tests run tasks eagerly (tests/conftest.py).
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_DIR = Path(env_str("CELERY_BROKER_DIR", str(BASE_DIR / "celery-broker")))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "huanxin",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
    (CELERY_BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker logs through LOGGING (JSON lines in production) instead of its own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Test-only knob: the reminder sweep lingers this long per reminder inside its transaction,
# so that the fault test can kill a worker mid-batch. Zero in real use.
REMINDER_SWEEP_TEST_DELAY_MS = env_int("REMINDER_SWEEP_TEST_DELAY_MS", 0)

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
# PIPL: a request's contact number and location are cleared this many days after it ended.
REQUEST_CONTACT_RETENTION_DAYS = env_int("REQUEST_CONTACT_RETENTION_DAYS", 730)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe the health check over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "estates.auth.HuanxinBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "estates:home"
LOGOUT_REDIRECT_URL = "estates:home"

AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Languages: Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an SMTP call gives up (the reminder e-mail task then retries it later).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "焕新 Huanxin <noreply@localhost>")
# The site's address, for links in e-mail.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "estates.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "estates.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "estates.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Every API call is counted, per address for the public and per person once signed in.
    # Generous for the public: people on mobile networks share addresses, and a page view makes
    # a few calls.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": "300/minute",
        "user": "600/minute",
        "token": "20/minute",
        "register": "10/hour",
        # Filing requests (governance.throttling): per person, in the app and with Open311 keys
        # together; and per address on Open311's POST, before its api_key is checked.
        "filing": "30/hour",
        # Community staff file for residents who phone or come to the office, paper forms in batches.
        "filing_staff": "300/hour",
        "filing_anon": "60/hour",
    },
    # The proxies in front of the site (the TLS proxy): a throttle counts the address the
    # nearest one saw, never what a client writes into X-Forwarded-For (DRF's default trusts it all).
    "NUM_PROXIES": env_int("NUM_PROXIES", 1),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "焕新 Huanxin API",
    "DESCRIPTION": "Renovation and governance of old residential estates.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "governance.models.ResidentRequest.Status",
        "RequestPlaceKindEnum": "governance.models.ResidentRequest.PlaceKind",
        "RequestUrgencyEnum": "governance.models.ResidentRequest.Urgency",
        "RequestPaymentStatusEnum": "governance.models.ResidentRequest.PaymentStatus",
        "RequestEscalationReasonEnum": "governance.models.ResidentRequest.EscalationReason",
        "RequestEventActionEnum": "governance.models.RequestEvent.Action",
        "ProjectStatusEnum": "renovations.models.ProjectStatus",
        "ProjectKindEnum": "renovations.models.ProjectKind",
        "ProjectEventKindEnum": "renovations.models.EventKind",
        "LedgerKindEnum": "renovations.models.LedgerKind",
        "LedgerSourceEnum": "renovations.models.LedgerSource",
        "ConsentRuleEnum": "renovations.models.ConsentRule",
        "ConsentScopeEnum": "renovations.models.ConsentScope",
        "OrganisationKindEnum": "estates.models.Organisation.Kind",
        "DisputeKindEnum": "governance.models.Dispute.Kind",
        "DisputeStageEnum": "governance.models.Dispute.Stage",
        "PhotoStageEnum": "renovations.models.PhotoStage",
        "DisputeOutcomeEnum": "governance.models.Dispute.Outcome",
        "DisputePartySideEnum": "governance.models.DisputeParty.Side",
        "DisputeEventActionEnum": "governance.models.DisputeEvent.Action",
        "NoticeStatusEnum": "governance.models.Notice.Status",
        "RatingRoundStatusEnum": "governance.models.RatingRound.Status",
        "RatingGradeEnum": "governance.models.RatingRound.Grade",
        "RatingPeriodEnum": "governance.models.RatingPolicy.Period",
        "ReminderKindEnum": "governance.models.Reminder.Kind",
        "MeetingKindEnum": "governance.models.Meeting.Kind",
        "MeetingStatusEnum": "governance.models.Meeting.Status",
        "MeetingEventActionEnum": "governance.models.MeetingEvent.Action",
        "AgendaItemSourceEnum": "governance.models.AgendaItem.Source",
        "AgendaItemHandSourceEnum": "governance.serializers.meetings.HAND_SOURCE_CHOICES",
        "ActionItemStatusEnum": "governance.models.ActionItem.Status",
    },
}

# Content Security Policy: no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Logs go to stderr: JSON lines (config/logs.py) unless LOG_FORMAT=text; text by default
# while DEBUG is on, for people reading a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "filters": {"redact_path": {"()": "config.logs.RedactPathFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_path"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # runserver logs each request itself while DEBUG is on.
        "huanxin.request": {"level": "WARNING" if DEBUG else "INFO"},
    },
}

# Demo accounts (password "huanxin-demo") may sign in only while DEBUG is on.
DEMO_LOGINS_ENABLED = env_bool("DEMO_LOGINS_ENABLED", DEBUG)
