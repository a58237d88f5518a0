"""Typed refusals of the promo services: ``code`` for programs, ``message`` (Russian, already
in the active language) for people. A refusal changes nothing.

Each edge maps the type to a status once: the pages in ``promo.views.promos.refusal_status``,
the API in ``promo.api.errors.refusal_error``; both give the same meaning:

| class | means | status |
| --- | --- | --- |
| :class:`NotFoundError` | the actor cannot see the promo (as if it did not exist) | 404 |
| :class:`NotAllowedError` | the actor's role or grants do not allow the action | 403 |
| :class:`IllegalStateError` | the promo's state does not allow the action now | 409 |
| :class:`StaleVersionError` | someone changed the promo since the actor saw it | 409 |
| :class:`InvalidError` | the input breaks a rule (a reason missing, a date out of range) | 400 |
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base of every refusal; raise one of the subclasses."""

    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None):
        self.message = str(message)
        self.code = code or self.default_code
        super().__init__(self.message)


class InvalidError(WorkflowError):
    """The input is invalid."""

    default_code = "invalid"


class NotFoundError(WorkflowError):
    """The promo (or line) is not among those the actor may see."""

    default_code = "not_found"


class NotAllowedError(WorkflowError):
    """The actor's role or grants do not allow this."""

    default_code = "not_allowed"


class IllegalStateError(WorkflowError):
    """The promo's current state does not allow this (a move the workflow forbids)."""

    default_code = "illegal_state"


class StaleVersionError(WorkflowError):
    """The promo changed since the version the actor saw."""

    default_code = "stale_version"


class MassCorrectionError(InvalidError):
    """A mass correction broke rules; ``changes`` lists every planned change with its error."""

    default_code = "mass_correction_invalid"

    def __init__(self, message, *, changes: list):
        super().__init__(message)
        self.changes = changes
