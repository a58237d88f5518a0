"""gunicorn's master warms the templates before it forks (config/warmup.py): what it says in the
server's log at every start."""

import logging

from django.test import override_settings

from config.warmup import warm_up


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "config.warmup" and r.levelno >= logging.WARNING]


def test_a_start_of_the_portal_as_it_ships_logs_no_template_warning(caplog):
    # given the portal's templates and its libraries' (django-filter ships a crispy-forms
    # template for a package the portal does not install)
    caplog.set_level(logging.DEBUG, logger="config.warmup")
    # when the server warms up
    parsed = warm_up()
    # then it parsed the templates and warned of none: an operator reads no false alarm
    assert parsed > 100
    assert _warnings(caplog) == []


def test_a_broken_template_of_the_portals_own_is_warned_of(caplog, tmp_path, settings):
    # given one of the portal's own templates that does not parse
    (tmp_path / "broken.html").write_text("{% if %}", encoding="utf-8")
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    caplog.set_level(logging.DEBUG, logger="config.warmup")
    # when the server warms up
    with override_settings(TEMPLATES=templates):
        warm_up()
    # then the log names it
    assert _warnings(caplog) == ["warm-up: template broken.html does not parse"]
