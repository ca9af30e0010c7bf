"""Settings read from the environment, with embedded defaults that run on a bare machine.

Unset DATABASE_URL means a SQLite file under var/; unset REDIS_URL means Celery runs
tasks eagerly in-process. `portal.settings_production` hardens this for deployment.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-embedded-default-key-for-local-use-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form is a page in the portal's layout that says what to do next.
CSRF_FAILURE_VIEW = "orgs.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_countries",
    "axes",
    "orgs",
    "subscriptions",
    "usage",
    "trials",
    "billing",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "orgs.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "orgs.context_processors.navigation",
            ],
        },
    },
    {
        # Plain-text email parts and subjects (orgs.emails.render_email): no HTML escaping.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'switchboard.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.Person"
AUTHENTICATION_BACKENDS = [
    # Refuses logins while an account or an address is locked out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute force: after AXES_FAILURE_LIMIT failed logins for one account, or from one address,
# that account (or address) is locked for AXES_COOLOFF_MINUTES; a successful login resets
# the count. Admins unlock in Django admin → Access attempts (delete the row) or with
# `manage.py axes_reset_username EMAIL` / `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The login form posts the email as `username` (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Password-reset requests per client address per hour (orgs.views.PasswordResetView).
PASSWORD_RESET_LIMIT_PER_HOUR = env.int("PASSWORD_RESET_LIMIT_PER_HOUR", default=5)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("fr", _("French")),
    ("sl", _("Slovenian")),
    ("hr", _("Croatian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Pages show dates in the reader's language (SHORT_DATE_FORMAT); exports and the API keep ISO.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served from the app folders by WhiteNoise; production collects them (settings_production).
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email: every message goes through orgs.emails -> the outbox table (orgs.outbox) -> a
# Celery task -> this backend.
# The embedded default keeps mail on disk in a local outbox readable at /dev/outbox/.
OUTBOX_DIR = env.path("OUTBOX_DIR", default=VAR_DIR / "outbox")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="orgs.mail.OutboxBackend")
# The files an email may carry, made when the outbox sends it (orgs.outbox.attachment):
# only these names resolve, each to `maker(*args) -> (filename, content, mimetype)`.
OUTBOX_ATTACHMENTS = {
    "invoice_pdf": "billing.pdf.invoice_attachment",
}
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Switchboard <no-reply@switchboard.test>")
# Absolute links in emails (Set up now, consent, password) are built on this origin.
# Meeting sites (setup wizard and trials) are <name>.MEETING_SITE_DOMAIN: one format for both.
MEETING_SITE_DOMAIN = env("MEETING_SITE_DOMAIN", default="webex.com")

# Links in emails point where `make run` serves (HOST/PORT) unless SITE_URL says otherwise.
SITE_URL = env("SITE_URL", default="") or (
    f"http://{env('HOST', default='127.0.0.1')}:{env('PORT', default='8000')}"
)

# Celery: with no REDIS_URL the tasks run eagerly in-process (the embedded default).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that does not answer must not hang anyone for long. Requests never publish
# directly: they write the outbox and wake a worker without retrying
# (orgs.outbox.wake_worker), so with Redis down they answer at once.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# The one beat schedule of the project. Every entry expires before the next run so a
# backlog never piles up, and every task it names is safe to run twice.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # The email outbox (orgs.outbox): whatever a commit's wake-up did not deliver.
    "orgs-deliver-outbox": {
        "task": "orgs.tasks.deliver_outbox",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=60.0),
        "options": {"expires": 50},
    },
    # Trials: consent lapsing, expiry notices, grace, numbers release (SPEC §4).
    "trials-daily": {
        "task": "trials.tasks.trials_daily",
        "schedule": crontab(hour=0, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    # Orders (SPEC §2): Set up now emails on the RSD, account-manager nudges, closing.
    "orders-send-due-setup-emails": {
        "task": "subscriptions.tasks.send_due_setup_emails",
        "schedule": crontab(minute=5),
        "options": {"expires": 50 * 60},
    },
    "orders-notify-account-managers": {
        "task": "subscriptions.tasks.notify_account_managers",
        "schedule": crontab(minute=20),
        "options": {"expires": 50 * 60},
    },
    "orders-close-overdue": {
        "task": "subscriptions.tasks.close_overdue_orders",
        "schedule": crontab(minute=35),
        "options": {"expires": 50 * 60},
    },
    # Usage (SPEC §5): yesterday's daily usage, fanned out per chunk of customers.
    "usage-compute-yesterday": {
        "task": "usage.tasks.compute_yesterday",
        "schedule": crontab(hour=0, minute=10),
        "options": {"expires": 6 * 60 * 60},
    },
    # Days that late events touched.
    "usage-recompute-dirty-days": {
        "task": "usage.tasks.recompute_dirty_days",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # Billing (SPEC §6): close yesterday's ended cycles after the nightly usage; the
    # chunks compute any day still missing or dirty before they bill it.
    "billing-issue-invoices": {
        "task": "billing.tasks.issue_invoices",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
}
# Customers per nightly usage task; a worker holds this many advisory locks at once.
USAGE_CHUNK_SIZE = env.int("USAGE_CHUNK_SIZE", default=250)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal tokens and partner API keys (orgs.apikeys), then the browser session;
        # both answer in the person's language.
        "orgs.apikeys.KeyAuthentication",
        "orgs.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "orgs.apikeys.AnonymousRateLimit",
        "rest_framework.permissions.IsAuthenticated",
        "orgs.apikeys.KeyScopes",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bad input is a 4xx JSON, never a 500 (orgs.api.safety).
    "DEFAULT_PAGINATION_CLASS": "orgs.api.safety.BoundedLimitOffsetPagination",
    "DEFAULT_PARSER_CLASSES": [
        "orgs.api.safety.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "orgs.api.safety.SafeMetadata",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "orgs.api.errors.exception_handler",
    # Per token/key (or person) and per anonymous address; counts live in the cache.
    "DEFAULT_THROTTLE_CLASSES": ["orgs.apikeys.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "client": env("API_RATE_PER_CLIENT", default="1200/minute"),
        "anonymous": env("API_RATE_ANONYMOUS", default="60/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Switchboard API",
    "DESCRIPTION": "Orders, usage events and usage for Switchboard partners.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "orgs.api.schema.document_error_responses",
    ],
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
FILTERS_EMPTY_CHOICE_LABEL = _("Any")

# How long usage and invoices stay visible (SPEC §5: 24 months by default).
RECORD_RETENTION_MONTHS = env.int("RECORD_RETENTION_MONTHS", default=24)

# Billing (SPEC §6): the catalogue's currency, payment terms, customers per issuing task.
CATALOGUE_CURRENCY = env("CATALOGUE_CURRENCY", default="USD")
INVOICE_PAYMENT_DAYS = env.int("INVOICE_PAYMENT_DAYS", default=30)
BILLING_CHUNK_SIZE = env.int("BILLING_CHUNK_SIZE", default=250)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Eager tasks would otherwise log every success line by line (seed_demo, runserver).
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}
