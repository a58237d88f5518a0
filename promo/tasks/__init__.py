"""Celery tasks of the promo app, one module per area (Celery autodiscovers ``promo.tasks``)."""

from promo.tasks.documents import *  # noqa: F403
from promo.tasks.imports import *  # noqa: F403
from promo.tasks.notifications import *  # noqa: F403
from promo.tasks.workflow import *  # noqa: F403
