"""``make run``: SQLite, DEBUG on, Celery on the filesystem broker, mail to var/mail."""

from config.django.base import *  # noqa: F403
from config.env import env_bool

DEBUG = env_bool("DEBUG", True)
