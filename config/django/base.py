"""Base settings shared by every environment.

Layering: ``config/django/base.py`` (this file) holds what is true everywhere and reads
deployment values from the environment (``config/env.py``); topic modules under
``config/settings/`` (celery, email, imports, exports, ...) are pulled in at the end;
``local.py`` (``make run``), ``test.py`` (pytest) and ``production.py`` adjust on top.
"""

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env, env_bool, env_list

SECRET_KEY = env("SECRET_KEY", "insecure-dev-key-change-me")
# The keys before the last rotation, comma-separated: what they signed (sessions, password-reset
# links) stays valid until they are removed (docs/operations.md, "Rotating secrets").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A stale form's refusal is the portal's page (or the API's error body), not Django's.
CSRF_FAILURE_VIEW = "config.api_exceptions.csrf_failure"

VAR_DIR = BASE_DIR / "var"

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
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "django_htmx",
    "branches",
    "suppliers",
    "promo",
    "exports",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a form: uploads keep their file whatever its name (config/multipart.py).
    "config.multipart.MultipartFileNamesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.PortalCSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the flag a locked-out sign-in leaves on the request (django-axes).
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
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suppliers.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database of `make run`: a page reads while a worker saves a big sheet in one
    # transaction (WAL: a reader never waits for the writer; the default journal answered the
    # upload's progress poll «database is locked», a 500), and a second writer waits for the
    # first instead of failing after 5 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL"})
    # Its LIKE (icontains, the portal's searches) folds the case of Cyrillic too (config/db/sqlite3).
    DATABASES["default"]["ENGINE"] = "config.db.sqlite3"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before a password is even checked.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language: Russian by default, English available (locale/en holds the translation).
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "Asia/Novosibirsk")
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", str(VAR_DIR / "media"))
# Throttle counters (API) live here. The default is per process; with several web processes set a
# shared one, e.g. CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache and
# CACHE_LOCATION=portal_cache (then `manage.py createcachetable`), or Django's RedisCache.
CACHES = {
    "default": {
        "BACKEND": env("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env("CACHE_LOCATION", "promo-portal"),
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    # Token first: an anonymous call then gets 401 with "WWW-Authenticate: Token" (DRF takes
    # the challenge from the first class); the browser and Swagger UI still use the session.
    # Tokens are django-rest-knox's: hashed, with an expiry (accounts/auth.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.PortalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Rates: API_THROTTLE_RATES (config/settings/security.py), read at request time.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.UserThrottle",
        "config.throttling.AnonThrottle",
    ],
    # Query parameters are read strictly: a value the schema does not allow, or a parameter the
    # operation does not read, is a 400 naming it (config/filters.py, config/pagination.py).
    "DEFAULT_FILTER_BACKENDS": [
        "config.filters.ApiFilterBackend",
        "config.filters.PortalSearchFilter",
        "config.filters.PortalOrderingFilter",
    ],
    # JSON bodies are held to DATA_UPLOAD_MAX_MEMORY_SIZE like form bodies (413 above it).
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.PortalJSONParser",
        "rest_framework.parsers.FormParser",
        "config.multipart.MultiPartParser",  # files whatever their name (config/multipart.py)
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PortalPageNumberPagination",
    "PAGE_SIZE": 50,
    # Every operation documents the errors it can answer (config/api_schema.py); every error
    # has one body (config/api_exceptions.py).
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "config.api_exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Promo Portal API",
    "DESCRIPTION": "Joint promotions of the chain and its suppliers: reference data, uploads, "
    "approval, exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Tags and operation ids by resource ("branches", "products"), not all under "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get components of their own ("CommentRequest"): required strings have
    # minLength 1 and files are binary, as the views read them.
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name the promo's explicitly so the enums do not collide.
    # Request bodies refuse the fields they do not declare (config/api_fields.py), and say so.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "config.api_schema.request_bodies_are_closed"],
    "ENUM_NAME_OVERRIDES": {"PromoStatusEnum": "promo.models.promo.PromoStatus",
                            "UploadStatusEnum": "promo.models.uploads.PromoUpload.Status"},
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # weasyprint and fontTools log every rendering step at INFO: keep their warnings only.
    # django-axes logs every sign-in at INFO; failures and lockouts are WARNINGs.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                "axes": {"level": "WARNING"}},
}

PORTAL_BASE_URL = env("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# seed_demo may create the demo users (password «demo»); off in production (suppliers/services/seed.py).
DEMO_USERS_ALLOWED = True

from config.settings.celery import *  # noqa: E402,F403
from config.settings.documents import *  # noqa: E402,F403
from config.settings.email import *  # noqa: E402,F403
from config.settings.exports import *  # noqa: E402,F403
from config.settings.imports import *  # noqa: E402,F403
from config.settings.promo import *  # noqa: E402,F403
from config.settings.security import *  # noqa: E402,F403
from config.settings.workflow import *  # noqa: E402,F403

REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES  # noqa: F405
