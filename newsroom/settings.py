"""Settings for Newsroom, read from the environment.

Every value has a safe default for a developer's machine (SQLite, a file cache in var/cache/, a
local media folder) except the secret key, which production must provide. See README.md for the
variables.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cache_from_url(url: str) -> dict:
    """`file://[/abs/dir]`, `redis://host:port/db`, `locmem://` or `dummy://` to a CACHES entry.

    The file and Redis caches are shared by every process (see newsroom.caching) and survive
    their own failures: a broken cache reads as empty and drops writes instead of raising.
    """
    if url.startswith(("redis://", "rediss://")):
        return {
            "BACKEND": "newsroom.caching.ResilientRedisCache",
            "LOCATION": url,
            # A Redis that is down or unreachable must not hold a request for long.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if url.startswith("file://"):
        return {
            "BACKEND": "newsroom.caching.ResilientFileBasedCache",
            "LOCATION": url.removeprefix("file://") or str(BASE_DIR / "var" / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    if url.startswith("dummy://"):
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if url.startswith("locmem://"):
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": url.removeprefix("locmem://") or "newsroom",
        }
    raise ImproperlyConfigured(
        f"CACHE_URL {url!r}: use file://, redis://, locmem:// (DEBUG only) or dummy://"
    )


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development machine).")
    SECRET_KEY = "development-only-not-secret"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "newsroom.desk_site.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "axes",
    "import_export",
    "reversion",
    "sources",
    "newsroom",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above the page cache, so pages served from it carry the policy too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above sessions and auth: a cached page for an anonymous reader costs no query.
    "newsroom.caching.PageCacheMiddleware",
    # Old addresses of items (newsroom/redirects.py): looked up only when a page answers 404.
    "newsroom.redirects.ItemRedirectMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised while logging in into its page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# Readers' pages are Jinja2 (templates/jinja2/, the faster of the two to render); the admin
# and the news sitemap use Django's template language. A name is looked up in that order.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "newsroom.jinja2.environment",
            "context_processors": ["newsroom.context_processors.site"],
            "autoescape": True,
            "auto_reload": DEBUG,
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "newsroom.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL, so a page's queries keep one text each, and
    # psycopg prepares the ones a connection runs a second time: PostgreSQL then stops
    # planning them on every request (planning cost more than running the event page's
    # queries). Django turns preparing off by default, for transaction-pooling proxies such
    # as PgBouncer before 1.21; set PG_PREPARE_THRESHOLD= (empty) behind one.
    threshold = os.environ.get("PG_PREPARE_THRESHOLD", "2")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=int(threshold) if threshold else None
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A CMS writes while readers read: WAL keeps readers from waiting on a save.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process on the machine (a folder of files) unless CACHE_URL says otherwise:
# pages must never depend on which worker answers (check newsroom.E001).
CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "file://"))}
# Whole pages for anonymous readers (newsroom.caching): at most this long, and never past the
# next scheduled publication. 0 turns the page cache off.
NEWSROOM_PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
NEWSROOM_PAGE_CACHE_ALIAS = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
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

# Uploads: images are checked by newsroom.images before they are stored.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
NEWSROOM_IMAGE_MAX_BYTES = int(os.environ.get("NEWSROOM_IMAGE_MAX_BYTES", 15 * 1024 * 1024))
NEWSROOM_IMAGE_MAX_PIXELS = int(os.environ.get("NEWSROOM_IMAGE_MAX_PIXELS", 40_000_000))
# How long browsers and shared caches may keep a live item's picture (newsroom.media).
NEWSROOM_MEDIA_MAX_AGE = int(os.environ.get("NEWSROOM_MEDIA_MAX_AGE", 60))

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")

# Preview links of drafts expire after this many seconds (48 hours by default).
NEWSROOM_PREVIEW_MAX_AGE = int(os.environ.get("NEWSROOM_PREVIEW_MAX_AGE", 48 * 60 * 60))

# Custom tag model shared by stories and events (newsroom.Entity).
TAGGIT_CASE_INSENSITIVE = True

IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"

# Spreadsheet imports (newsroom.spreadsheets). The size and row limits apply to the desk; the
# import_items command has none. XLSX/ODS files are refused when their ZIP members unpack to
# more than NEWSROOM_IMPORT_MAX_UNPACKED_BYTES (a "zip bomb"). Files larger than
# NEWSROOM_IMPORT_BACKGROUND_BYTES are imported in a background thread (newsroom.tasks).
NEWSROOM_IMPORT_MAX_BYTES = int(os.environ.get("NEWSROOM_IMPORT_MAX_BYTES", 50 * 1024 * 1024))
NEWSROOM_IMPORT_MAX_ROWS = int(os.environ.get("NEWSROOM_IMPORT_MAX_ROWS", 200_000))
NEWSROOM_IMPORT_MAX_UNPACKED_BYTES = int(
    os.environ.get("NEWSROOM_IMPORT_MAX_UNPACKED_BYTES", 500 * 1024 * 1024)
)
NEWSROOM_IMPORT_BACKGROUND_BYTES = int(
    os.environ.get("NEWSROOM_IMPORT_BACKGROUND_BYTES", 256 * 1024)
)
# A background import whose runner gave no sign of life for this long was cut off (a restart):
# it is marked failed on the first request of a web process, on the desk, and by
# `manage.py mark_interrupted_imports`. Its runner writes a heartbeat several times as often.
NEWSROOM_IMPORT_STALE_SECONDS = int(os.environ.get("NEWSROOM_IMPORT_STALE_SECONDS", 30))
NEWSROOM_IMPORT_CHECK_ON_START = env_bool("NEWSROOM_IMPORT_CHECK_ON_START", True)
# `import_archive` refuses a tree with a file larger than this, or with a symbolic link.
NEWSROOM_ARCHIVE_MAX_FILE_BYTES = int(
    os.environ.get("NEWSROOM_ARCHIVE_MAX_FILE_BYTES", 5 * 1024 * 1024)
)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
# HTTPS only, outside DEBUG: SECURE_SSL_REDIRECT=0 and SECURE_HSTS_SECONDS=0 (with
# SECURE_COOKIES=0) for a local run over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe /healthz over plain HTTP (newsroom/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Only a proxy in front of the app may say how the client connected, and from where: without
# BEHIND_PROXY=1, X-Forwarded-Proto and X-Forwarded-For are a client's word and are ignored.
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy on every response (Django's own middleware): scripts, styles, fonts
# and images from this site only, no inline code. The admin marks the few inline blocks it
# needs with the request's nonce; readers' pages have none, so cached pages need no nonce.
# Images may come from another host (MEDIA_URL="https://cdn.example.org/media/").
_media = urlsplit(MEDIA_URL)
MEDIA_ORIGINS = [f"{_media.scheme}://{_media.netloc}"] if _media.netloc else []
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Password guessing (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one address, that pair is locked out for AXES_COOLOFF_MINUTES (0: until an editor or
# an admin deletes the lockout under "Access attempts" in the desk).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
_cooloff = int(os.environ.get("AXES_COOLOFF_MINUTES", "30"))
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff) if _cooloff else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.security.locked_out"
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_address"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Citation positions are unique per item through a deferred constraint on PostgreSQL (so that
# reordering works in one transaction); SQLite cannot defer and goes without it, knowingly.
SILENCED_SYSTEM_CHECKS = ["models.W038"]
# `check --deploy` asks for HSTS preloading. Joining the browsers' preload list binds every
# subdomain to HTTPS for months and is the domain owner's decision: SECURE_HSTS_PRELOAD=1.
SILENCED_SYSTEM_CHECKS += ["security.W021"]
