"""Why an export run failed, stored as data (``ExportRun.failure``: a message of
exports/wording.py) and worded for each reader: the run page and list, the API's ``error``, the
``export_failed`` event (activity log, mail) and the command line.

- :func:`failure_of` turns what stopped a run into its message: a :class:`RunRefused` (a setting
  a writer refuses, the ledger moved meanwhile) carries its own; a file system error (disk full,
  no right to write, the export folder gone) is ``run_not_written`` with the error's name
  (``ENOSPC``); anything else is ``run_crashed`` with the exception's class name only. The
  exception's text (a Russian or English OS message, a database error, a traceback's last line)
  goes to the log, never to a reader.
- The reaper's reasons (exports/recovery.py: ``run_worker_lost``, ``run_superseded``,
  ``run_not_taken``) and a refused date (``date_out_of_range``) are messages from the start.
- :func:`failure_from_text` reads back a reason stored as text before (migration exports 0007):
  a text that one of the known messages words exactly, in the portal's language, becomes that
  message; any other stays a text (``{"code": "text", ...}``), shown as it is.
"""

from __future__ import annotations

import errno
import re

from django.conf import settings
from django.utils import translation

from exports.wording import MESSAGES, RunRefused, message, message_text

__all__ = ["KNOWN_FAILURES", "RunRefused", "failure_from_text", "failure_of", "failure_text", "run_failed"]

# The messages a run's failure may be (the order is the one :func:`failure_from_text` tries).
KNOWN_FAILURES = (
    "run_worker_lost", "run_superseded", "run_not_taken", "ledger_moved", "date_out_of_range",
    "sap_matnr_source", "sap_pct_sign", "sap_krech", "sap_cond_unit", "sap_vakey_too_long", "sap_vakey_layout",
    "sap_vakey_empty", "smarket_format", "smarket_encoding", "set10_good_key", "set10_pct_element",
    "run_not_written", "run_crashed",
)
# Params read back as numbers.
_NUMBERS = frozenset({"restarts", "minutes", "width"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def failure_of(exc: BaseException) -> dict:
    """The message a run fails with for ``exc`` (never the exception's own text)."""
    if isinstance(exc, RunRefused):
        return exc.record
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError | TimeoutError):  # (a server, not the disk)
        name = errno.errorcode.get(exc.errno) if isinstance(exc.errno, int) else None
        return message("run_not_written", error=name or type(exc).__name__)
    return message("run_crashed", error=type(exc).__name__)


def failure_text(record) -> str:
    """A run's failure in the active language ("" for none); an old text as it is."""
    return message_text(record) if record else ""


def run_failed(run, record: dict) -> dict:
    """The ``export_failed`` event's reason: «Выгрузка <run> не удалась: <reason>»."""
    return message("run_failed", run=run.name, reason=record)


def failure_from_text(text: str) -> dict:
    """A reason stored as text (in the portal's language) as the message that words it exactly,
    else as the text itself (``{"code": "text", "params": {"text": ...}}``); {} for no reason."""
    if not text:
        return {}
    with translation.override(settings.LANGUAGE_CODE):
        for code in KNOWN_FAILURES:
            params = _parse(str(MESSAGES[code]), text)
            if params is not None:
                record = message(code, **params)
                if message_text(record) == text:
                    return record
    return message("text", text=text)


def _parse(template: str, text: str) -> dict | None:
    names = _PLACEHOLDER.findall(template)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(_PLACEHOLDER.split(template)))
    match = re.fullmatch(pattern, text, re.S)
    if match is None:
        return None
    params = {}
    for name in names:
        value = match.group(name)
        params[name] = int(value) if name in _NUMBERS and value.isdigit() else value
    return params
