"""pytest: PostgreSQL from DATABASE_URL (``make test`` starts a throwaway cluster), eager Celery
(the worker tests start a real worker themselves), in-memory mail, fast password hashing."""

import tempfile

from config.django.base import *  # noqa: F403
from config.env import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A real worker started by a test gets the test's folders through the environment.
MEDIA_ROOT = env("MEDIA_ROOT") or tempfile.mkdtemp(prefix="promo-media-")
EXPORT_ROOT = env("EXPORT_ROOT") or tempfile.mkdtemp(prefix="promo-exports-")
STATIC_ROOT = tempfile.mkdtemp(prefix="promo-static-")  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "ru"
