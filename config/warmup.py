"""Warming the web application once in gunicorn's master process, before it forks the workers
(``config/gunicorn.py``, ``preload_app``).

Without it every worker pays the first requests' one-off costs itself: importing the URLconf and
with it every view, reading both languages' translation catalogues, parsing the templates (the
cached template loader keeps them per process); about a second of CPU per worker on this
codebase, and again for every worker gunicorn replaces (``GUNICORN_MAX_REQUESTS``). Done in the
master, the forked workers inherit all of it.

Then :func:`gc.freeze` moves everything loaded so far out of the cyclic garbage collector's
reach: the modules, classes, compiled templates and catalogues live as long as the process, and
a full collection no longer walks them on some request (without it a full collection costs tens
of milliseconds of one request).

Nothing here touches the database, the cache or the broker: the workers open their own
connections after the fork."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def template_names(directory: Path) -> list[str]:
    """The names of the templates under ``directory`` (as ``{% include %}`` spells them)."""
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*.html"))


def warm_up() -> int:
    """Load what the first requests of a fresh process would; returns the number of templates
    parsed. A template that does not parse is left to fail on its page, as it would without
    the warm-up."""
    from django.conf import settings
    from django.db import connections
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import reverse
    from django.utils import translation

    reverse("home")  # imports every urls.py and, through them, the views
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Промо-портал")  # reads the language's catalogues
    parsed = 0
    for engine in engines.all():
        for directory in getattr(engine, "template_dirs", ()):
            for name in template_names(Path(directory)):
                try:
                    engine.get_template(name)
                except (TemplateSyntaxError, TemplateDoesNotExist, UnicodeDecodeError):
                    # A library's template for a package the portal does not use (django-filter's
                    # crispy form) is no news at every start; one of the portal's own is a bug.
                    library = "site-packages" in Path(directory).parts
                    logger.log(logging.DEBUG if library else logging.WARNING,
                               "warm-up: template %s does not parse", name)
                    continue
                parsed += 1
    connections.close_all()  # none should be open; a forked worker must never share one
    return parsed


def freeze() -> None:
    """Keep everything alive so far out of the garbage collector's full collections."""
    gc.collect()
    gc.freeze()
