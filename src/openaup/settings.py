"""The one settings module. Everything that differs between installations comes from
environment variables, read through :mod:`openaup.core.env`; ``docs/deploy.md`` lists them.
With none set, OpenAUP runs on an embedded SQLite database under ``./var/``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from openaup.core.env import (
    EnvError,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_secret_key,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent

try:
    DATA_DIR = env_path("OPENAUP_DATA_DIR", "./var")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    SECRET_KEY = env_secret_key("SECRET_KEY", DATA_DIR)
    DEBUG = env_bool("OPENAUP_DEBUG", False)
    ALLOWED_HOSTS = env_list("OPENAUP_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    CSRF_TRUSTED_ORIGINS = env_list("OPENAUP_CSRF_TRUSTED_ORIGINS", [])
    BEHIND_PROXY = env_bool("OPENAUP_BEHIND_PROXY", False)
    HTTPS = env_bool("OPENAUP_HTTPS", BEHIND_PROXY)
    HSTS_SECONDS = env_int("OPENAUP_HSTS_SECONDS", 31536000, minimum=0)
    HSTS_PRELOAD = env_bool("OPENAUP_HSTS_PRELOAD", False)
    TIME_ZONE = env_str("OPENAUP_TIME_ZONE", "America/New_York")
    DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'openaup.sqlite3'}")
    EMAIL_MODE = env_str("OPENAUP_EMAIL", "console")
    DB_CONN_MAX_AGE = env_int("OPENAUP_DB_CONN_MAX_AGE", 60, minimum=0)
    OPENAUP_REQUIRE_2FA = env_bool("OPENAUP_REQUIRE_2FA", True)
    OPENAUP_LOCKOUT_FAILURES = env_int("OPENAUP_LOCKOUT_FAILURES", 5, minimum=1)
    OPENAUP_LOCKOUT_MINUTES = env_int("OPENAUP_LOCKOUT_MINUTES", 15, minimum=1)
    OPENAUP_SESSION_HOURS = env_int("OPENAUP_SESSION_HOURS", 12, minimum=1)
    OPENAUP_SESSION_IDLE_MINUTES = env_int("OPENAUP_SESSION_IDLE_MINUTES", 60, minimum=1)
    OPENAUP_REMINDER_HOUR = env_int("OPENAUP_REMINDER_HOUR", 16, minimum=0)
    OPENAUP_BASE_URL = env_str("OPENAUP_BASE_URL", "http://localhost:8000")
    OPENAUP_FILTER_DIR = env_path("OPENAUP_FILTER_DIR", str(DATA_DIR / "filter"))
    OPENAUP_FILTER_DNS_ZONES = env_bool("OPENAUP_FILTER_DNS_ZONES", False)
    OPENAUP_LIST_TIMEOUT = env_int("OPENAUP_LIST_TIMEOUT", 60, minimum=1)
    OPENAUP_LIST_MAX_MB = env_int("OPENAUP_LIST_MAX_MB", 1024, minimum=1)
    OPENAUP_LESSON_MINUTES = env_int("OPENAUP_LESSON_MINUTES", 50, minimum=5)
    OPENAUP_BLOCK_LINK_HOURS = env_int("OPENAUP_BLOCK_LINK_HOURS", 24, minimum=1)
    OPENAUP_UNBLOCK_REQUESTS_PER_HOUR = env_int("OPENAUP_UNBLOCK_REQUESTS_PER_HOUR", 5, minimum=1)
    OPENAUP_UNBLOCK_NOTIFY = env_bool("OPENAUP_UNBLOCK_NOTIFY", True)
    OPENAUP_UNBLOCK_NOTIFY_EMAIL = env_str("OPENAUP_UNBLOCK_NOTIFY_EMAIL", "")
    OPENAUP_MONITOR_DIR = env_path("OPENAUP_MONITOR_DIR", str(DATA_DIR / "monitoring"))
    OPENAUP_MONITOR_RETENTION_DAYS = env_int("OPENAUP_MONITOR_RETENTION_DAYS", 365, minimum=1)
    OPENAUP_MONITOR_ALERT_CATEGORIES = env_list(
        "OPENAUP_MONITOR_ALERT_CATEGORIES", ["agressif", "dangerous_material"]
    )
    OPENAUP_MONITOR_ALERT_HOUR = env_int("OPENAUP_MONITOR_ALERT_HOUR", 7, minimum=0)
except EnvError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
if OPENAUP_REMINDER_HOUR > 23:
    raise ImproperlyConfigured(
        f"OPENAUP_REMINDER_HOUR={OPENAUP_REMINDER_HOUR}: expected an hour from 0 to 23"
    )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "openaup.core",
    "openaup.accounts",
    "openaup.audit",
    "openaup.directory",
    "openaup.access",
    "openaup.cases",
    "openaup.policies",
    "openaup.filtering",
    "openaup.monitoring",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "openaup.accounts.middleware.SessionLifetimeMiddleware",
    "openaup.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "openaup.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "openaup.urls"
WSGI_APPLICATION = "openaup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openaup.core.context_processors.site",
                "openaup.accounts.context_processors.access",
                "openaup.audit.context_processors.audit_links",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction, so two writers queue instead of failing half-way.
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# NIST SP 800-63B: length by role, a generous maximum, a list of common and breached
# passwords and the district's own words; no composition rules, no periodic expiry.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "openaup.accounts.passwords.RoleMinimumLengthValidator"},
    {"NAME": "openaup.accounts.passwords.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "openaup.accounts.passwords.ContextWordsValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
# Axes comes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "openaup.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "openaup.accounts.oidc.DistrictOIDCBackend",
]
AXES_FAILURE_LIMIT = OPENAUP_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=OPENAUP_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "openaup.core.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "openaup.accounts.views.locked_out"
AXES_VERBOSE = False
# Successful sign-ins are in the audit trail already; Axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True
OTP_TOTP_ISSUER = "OpenAUP"
# Sessions end OPENAUP_SESSION_HOURS after sign-in whatever happens, and earlier after
# OPENAUP_SESSION_IDLE_MINUTES without a request (see openaup.accounts.middleware).
SESSION_COOKIE_AGE = OPENAUP_SESSION_HOURS * 3600
OPENAUP_SESSION_LIFETIME = timedelta(hours=OPENAUP_SESSION_HOURS)
OPENAUP_SESSION_IDLE = timedelta(minutes=OPENAUP_SESSION_IDLE_MINUTES)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
if HTTPS:
    # Served over HTTPS (usually by the reverse proxy): plain HTTP is redirected, except the
    # health check that load balancers probe; browsers are told to stay on HTTPS.
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = HSTS_PRELOAD
# Submitting a domain to the browsers' HSTS preload list is the district's decision, made once
# for the whole domain; OPENAUP_HSTS_PRELOAD turns the header's preload flag on.
SILENCED_SYSTEM_CHECKS = [] if HSTS_PRELOAD else ["security.W021"]

# Content Security Policy: everything from our own origin, no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- languages --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

# --- static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG

# --- email ------------------------------------------------------------------
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
if EMAIL_MODE not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"OPENAUP_EMAIL={EMAIL_MODE!r}: expected console, file or smtp")
EMAIL_BACKEND = _EMAIL_BACKENDS[EMAIL_MODE]
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env_str("OPENAUP_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("OPENAUP_SMTP_PORT", 587)
EMAIL_HOST_USER = env_str("OPENAUP_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("OPENAUP_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("OPENAUP_SMTP_STARTTLS", True)
DEFAULT_FROM_EMAIL = env_str("OPENAUP_FROM_EMAIL", "OpenAUP <no-reply@localhost>")

# --- background work --------------------------------------------------------
# Jobs wait in the database (no separate broker); `aup worker` runs them and the campaigns'
# reminder schedule, and `aup serve` starts one worker beside the web server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "openaup.accounts.api_auth.BasicAuthenticationWithoutTwoFactor",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenAUP API",
    "DESCRIPTION": "The district directory, signatures, filtering and records of OpenAUP.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "PersonStatusEnum": "openaup.directory.choices.PersonStatus",
        "CampaignStatusEnum": "openaup.policies.choices.CampaignStatus",
        "ListKindEnum": "openaup.filtering.choices.ListKind",
        "PersonKindEnum": "openaup.directory.choices.PersonKind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: it would load an image from another site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env_str("OPENAUP_LOG_LEVEL", "INFO")},
    # Axes logs every sign-in at INFO; its lockouts are warnings.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- OpenAUP ----------------------------------------------------------------
OPENAUP_DEMO_PASSWORD = env_str("OPENAUP_DEMO_PASSWORD", "maple-valley-demo")
OPENAUP_ACCESS_REPORT_STAFF_BY_ROLE = env_bool("OPENAUP_ACCESS_REPORT_STAFF_BY_ROLE", False)
OPENAUP_UPLOAD_MAX_BYTES = env_int("OPENAUP_UPLOAD_MAX_MB", 200, minimum=1) * 1024 * 1024
OPENAUP_ROSTER_MAX_UNCOMPRESSED_BYTES = (
    env_int("OPENAUP_ROSTER_MAX_MB", 1024, minimum=1) * 1024 * 1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- single sign-on (OpenID Connect) ----------------------------------------
# Off while OPENAUP_OIDC_ISSUER is empty. The provider's endpoints are read from its discovery
# document on first use; the OPENAUP_OIDC_*_URL variables override single endpoints.
OPENAUP_OIDC_ISSUER = env_str("OPENAUP_OIDC_ISSUER", "").strip().rstrip("/")
OPENAUP_OIDC_BUTTON_LABEL = env_str(
    "OPENAUP_OIDC_BUTTON_LABEL", "Sign in with your district account"
)
OPENAUP_OIDC_ALLOWED_DOMAINS = [d.lower() for d in env_list("OPENAUP_OIDC_ALLOWED_DOMAINS", [])]
OIDC_RP_CLIENT_ID = env_str("OPENAUP_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OPENAUP_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = env_str("OPENAUP_OIDC_SCOPES", "openid email profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OPENAUP_OIDC_AUTHORIZATION_URL", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OPENAUP_OIDC_TOKEN_URL", "")
OIDC_OP_USER_ENDPOINT = env_str("OPENAUP_OIDC_USERINFO_URL", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OPENAUP_OIDC_JWKS_URL", "")
if OPENAUP_OIDC_ISSUER:
    if not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
        raise ImproperlyConfigured(
            "OPENAUP_OIDC_ISSUER is set: OPENAUP_OIDC_CLIENT_ID and OPENAUP_OIDC_CLIENT_SECRET "
            "are needed too"
        )
    if "openid" not in OIDC_RP_SCOPES.split():
        raise ImproperlyConfigured(f"OPENAUP_OIDC_SCOPES={OIDC_RP_SCOPES!r}: must include openid")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_ALLOW_UNSECURED_JWT = False
OIDC_VERIFY_SSL = True
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
