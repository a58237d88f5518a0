"""Settings grouped by topic; config/django/base.py imports them all."""
