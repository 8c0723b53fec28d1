"""Settings for Sanwen. Every value comes from the environment; see .env.example."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sanwen.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("SANWEN_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY in the environment "
            "(see .env.example), or set DEBUG=true for a local demo."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "sanwen.desk.views.csrf_failure"

INSTALLED_APPS = [
    # Translated vocabulary (campaign terms, departments): before the admin, as the package asks.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "sanwen.core",
    "sanwen.org",
    "sanwen.clients",
    "sanwen.campaigns",
    "sanwen.cases",
    "sanwen.fieldwork",
    "sanwen.portal",
    "sanwen.accountability",
    "sanwen.reports",
    "sanwen.api",
    "sanwen.desk",
    "sanwen.notify",
    "sanwen.digest",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sanwen.core.middleware.ChosenLanguageMiddleware",
    "sanwen.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "sanwen.core.auth.EarlierSessionsMiddleware",  # sessions from before StaffBackend keep working
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "sanwen.core.middleware.ChooseBureauMiddleware",  # the operator is asked which bureau a page is for
    "sanwen.core.csp.ContentSecurityPolicyMiddleware",  # pages that set none get the strict policy
]

ROOT_URLCONF = "sanwen.urls"
WSGI_APPLICATION = "sanwen.wsgi.application"

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
                "sanwen.desk.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite is set up the same way whether it is named by SQLITE_PATH or by DATABASE_URL=sqlite:///…:
# IMMEDIATE takes the write lock at BEGIN so two writers queue instead of failing half-way
# ("database is locked" on a read lock that cannot be upgraded); the busy timeout makes them wait
# for each other; WAL lets readers go on while one writes. Each request opens a new connection, whose
# page cache starts empty: the file is memory-mapped (up to 1 GiB) so that the rows a page looks up by
# key are read from the operating system's cache without a system call each (half the time of a
# scorecard's lookups on a county of 100,000 cases).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
        "PRAGMA mmap_size=1073741824;"
    ),
}
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    _default = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
else:
    SQLITE_PATH = Path(env_str("SQLITE_PATH", str(VAR_DIR / "sanwen.sqlite3")))
    _default = {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}
if _default["ENGINE"] == "django.db.backends.sqlite3":
    # Options written in the URL (?timeout=…) win over these; connections are not kept (opening a
    # SQLite file is cheap, and each new connection runs the PRAGMAs above).
    _default["OPTIONS"] = SQLITE_OPTIONS | _default.get("OPTIONS", {})
    _default["CONN_MAX_AGE"] = 0
    _default["TEST"] = {"NAME": env_str("SQLITE_TEST_PATH", "") or None}
elif _default["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: a page's queries are short, and on a province's tables the planner's cost
    # estimates set off compiling that took longer than the query (50 ms to over a second each).
    # The joins of a query are reordered four at a time: a record read with the ten records it
    # refers to (a case's page) took 17 ms to plan and under 1 ms to run with the default of eight;
    # Django writes a query's joins from the table it filters, an order worth keeping.
    _default["OPTIONS"] = {"options": "-c jit=off -c join_collapse_limit=4"} | _default.get("OPTIONS", {})
DATABASES = {"default": _default}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.Staff"

# --- Authentication -----------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "name", "email", "phone")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sanwen.core.auth.StaffBackend",  # Django's ModelBackend, loading the person with their bureau
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
# Failures count per username *and* address together: nobody locks the administrator out from
# another machine. The lockout page is Sanwen's own (in the user's language).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "sanwen.org.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["sanwen.formats"]  # one date format per language (2026年11月30日, 30 Nov 2026)
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
LANGUAGE_COOKIE_NAME = "sanwen_language"
# The campaign's own vocabulary is translated in the database (django-modeltranslation): the original
# column keeps the simplified Chinese term, which every page, export and the API show by default; English
# and traditional columns fall back to it when empty (traditional is filled by OpenCC on save).
MODELTRANSLATION_DEFAULT_LANGUAGE = "zh-hans"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("zh-hans",)

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 20) * 1024 * 1024
# Rows of one client import (below its header): a longer file is refused before it is read whole.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000)

# --- Mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "sanwen@localhost")

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
# Behind a reverse proxy the visitor's address is the last one of X-Forwarded-For (rate limits).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # A bureau that serves over plain HTTP on its intranet can turn these off explicitly.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

PAGE_SIZE = env_int("PAGE_SIZE", 25)
# How many days after the day it happened a visit, meeting or field day from a phone's outbox is
# still accepted by the API.
FIELDWORK_DATE_WINDOW_DAYS = env_int("FIELDWORK_DATE_WINDOW_DAYS", 30)
TEXT_MAX = env_int("TEXT_MAX", 5000)  # longest free text (a note, minutes, a result) staff may write
SANWEN_BRAND = _("Three Asks, Three Solves")

# The public portal: its address as printed on visit cards (QR codes), and per-address limits as
# (attempts, seconds) pairs.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "").rstrip("/")
PORTAL_RATE_LIMITS = {
    "raise": [(env_int("PORTAL_RAISE_PER_HOUR", 5), 3600), (env_int("PORTAL_RAISE_PER_DAY", 20), 86400)],
    "lookup": [
        (env_int("PORTAL_LOOKUPS_PER_10_MINUTES", 30), 600),
        (env_int("PORTAL_LOOKUPS_PER_DAY", 200), 86400),
    ],
    "rate": [(env_int("PORTAL_RATINGS_PER_HOUR", 10), 3600)],
    "report": [(env_int("PORTAL_REPORTS_PER_HOUR", 3), 3600), (env_int("PORTAL_REPORTS_PER_DAY", 10), 86400)],
}
PORTAL_TEXT_MAX = env_int("PORTAL_TEXT_MAX", 1000)
PORTAL_UPLOAD_MAX_MB = env_int("PORTAL_UPLOAD_MAX_MB", 10)


# Notifications (SPEC §13): everything leaves through the outbox and `sanwen worker`.
def _pairs(name: str) -> dict[str, str]:
    """NAME=a=1,b=2 → {"a": "1", "b": "2"}; a pair without '=' fails loudly."""
    pairs = {}
    for item in env_list(name, []):
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ImproperlyConfigured(f"{name} takes name=value pairs separated by commas, not {item!r}.")
        pairs[left.strip()] = right.strip()
    return pairs


# Channels a person receives a kind of notice on until they choose (email, wecom, robot, sms).
NOTIFY_DEFAULT_CHANNELS = env_list("NOTIFY_DEFAULT_CHANNELS", ["email", "wecom"])
NOTIFY_QUIET_START = env_str("NOTIFY_QUIET_START", "22:00")
NOTIFY_QUIET_END = env_str("NOTIFY_QUIET_END", "07:00")
# Kinds of notice sent during quiet hours (reminder, supervision, return_visit, commitment, case_step,
# integrity, digest, client).
NOTIFY_URGENT_TOPICS = env_list("NOTIFY_URGENT_TOPICS", [])
# Kinds of notice a department's WeCom group robot may carry: everyone in the group reads them, so never
# the integrity register's notices nor a person's digest (which holds them for inspectors).
NOTIFY_GROUP_TOPICS = env_list(
    "NOTIFY_GROUP_TOPICS", ["reminder", "supervision", "return_visit", "commitment", "case_step"]
)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 12)
NOTIFY_BACKOFF_SECONDS = env_int("NOTIFY_BACKOFF_SECONDS", 30)
NOTIFY_BACKOFF_MAX_SECONDS = env_int("NOTIFY_BACKOFF_MAX_SECONDS", 3600)
NOTIFY_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 10)
# Outbound calls to WeCom and the SMS providers through this proxy (http://host:port), if set.
NOTIFY_PROXY = env_str("NOTIFY_PROXY", "")
WECOM_API_BASE = env_str("WECOM_API_BASE", "https://qyapi.weixin.qq.com").rstrip("/")
WECOM_CORP_ID = env_str("WECOM_CORP_ID", "")
WECOM_AGENT_ID = env_str("WECOM_AGENT_ID", "")
WECOM_SECRET = env_str("WECOM_SECRET", "")
# Group robots: name=webhook key pairs; a department's "WeCom group" names one of them.
WECOM_ROBOT_KEYS = _pairs("WECOM_ROBOT_KEYS")
WECOM_ROBOT_PER_MINUTE = env_int("WECOM_ROBOT_PER_MINUTE", 20)
WECOM_TEXT_MAX_BYTES = env_int("WECOM_TEXT_MAX_BYTES", 2048)
# aliyun or tencent (empty: no SMS is sent; SMS messages wait in the outbox)
SMS_PROVIDER = env_str("SMS_PROVIDER", "")
# Template name=the provider's template code: alert, digest, registered, resolved.
SMS_TEMPLATES = _pairs("SMS_TEMPLATES")
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = env_str("ALIYUN_SMS_SIGN_NAME", "")
TENCENT_SMS_ENDPOINT = env_str("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/")
TENCENT_SMS_SECRET_ID = env_str("TENCENT_SMS_SECRET_ID", "")
TENCENT_SMS_SECRET_KEY = env_str("TENCENT_SMS_SECRET_KEY", "")
TENCENT_SMS_APP_ID = env_str("TENCENT_SMS_APP_ID", "")
TENCENT_SMS_SIGN_NAME = env_str("TENCENT_SMS_SIGN_NAME", "")
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou")
# The daily digest: at this time on working days, for leaders and department heads.
DIGEST_AT = env_str("DIGEST_AT", "08:00")
