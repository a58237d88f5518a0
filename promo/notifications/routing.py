"""Who hears about what: the routing table, event kind x recipient role, in one place.

:func:`~promo.notifications.recipients.event_recipients` reads it; the table in
docs/development/notifications.md is :func:`routing_table_markdown` (a test keeps the two
equal), and ``tests/promo/notifications/test_routing.py`` drives every event kind through the
real services and checks the outbox against the docs table.

Roles, relative to the promo(s) of the event:

- ``supplier``: the users of the promo's supplier (for an upload: of the upload's supplier);
  never for an internal event;
- ``category_manager``: the managers of the categories of the promo's lines;
- ``deciding_manager``: the managers of the categories of its lines still waiting for a decision;
- ``marketer``: every marketer;
- ``head_of_category``: the members of the group named by ``PROMO_HEAD_OF_CATEGORY_GROUP`` (none
  when it is empty).

On top of the table, for every kind: never the person who caused the event (but for the outcome
of work in the background, :data:`STARTER_HEARS`: the person who started it hears too), never
someone who switched the kind off, is inactive or has no e-mail address. When a kind is sent at all is the
service's call (``notify=False``: the per-promo events of an import, a mass correction or a bulk
action, announced by one digest per person; a revision of a draft).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from promo.models import PromoEvent

Kind = PromoEvent.Kind

SUPPLIER = "supplier"
CATEGORY_MANAGER = "category_manager"
DECIDING_MANAGER = "deciding_manager"
MARKETER = "marketer"
HEAD_OF_CATEGORY = "head_of_category"
ROLES = (SUPPLIER, CATEGORY_MANAGER, DECIDING_MANAGER, MARKETER, HEAD_OF_CATEGORY)
ROLE_TITLES = {
    SUPPLIER: "supplier",
    CATEGORY_MANAGER: "category manager",
    DECIDING_MANAGER: "deciding manager",
    MARKETER: "marketer",
    HEAD_OF_CATEGORY: "head of category",
}
ROLE_LABELS = {
    SUPPLIER: _("поставщик"),
    CATEGORY_MANAGER: _("менеджер категории"),
    DECIDING_MANAGER: _("менеджер, чьего решения ждут"),
    MARKETER: _("маркетолог"),
    HEAD_OF_CATEGORY: _("руководитель категорий"),
}

_EVERYONE = frozenset({SUPPLIER, CATEGORY_MANAGER, MARKETER})
_UPLOAD = frozenset({SUPPLIER, MARKETER})

# kind -> (roles, when it is sent: a note for the docs table)
ROUTING: dict[str, tuple[frozenset[str], str]] = {
    Kind.UPLOAD_IMPORTED: (_UPLOAD, "one digest per person listing the promos of the file"),
    Kind.UPLOAD_REJECTED: (_UPLOAD, "with the first errors; never for a file already imported (a retry: "
                                    "its sender sees «Этот файл уже загружен…» in the answer)"),
    Kind.PROMO_CREATED: (frozenset(), "never: the upload's digest announces it"),
    Kind.REVISION_CREATED: (frozenset({CATEGORY_MANAGER}),
                            "a corrected upload puts the promo (back) to approval; the supplier and the "
                            "marketers hear through the upload's digest"),
    Kind.PROMO_SUBMITTED: (_EVERYONE, "one digest per person for a bulk action"),
    Kind.LINE_DECIDED: (_EVERYONE, "one digest per person for a bulk action"),
    Kind.PROMO_APPROVED: (_EVERYONE, "one digest per person for a bulk action"),
    Kind.PROMO_REJECTED: (_EVERYONE, "one digest per person for a bulk action"),
    Kind.PROMO_WITHDRAWN: (_EVERYONE, "one digest per person for a bulk action"),
    Kind.PROMO_CANCELLED: (_EVERYONE, "one digest per person for a bulk action"),
    Kind.PROMO_EXTENDED: (_EVERYONE, ""),
    Kind.PROMO_CORRECTED: (_EVERYONE, ""),
    Kind.MASS_CORRECTED: (_EVERYONE, "one digest per person"),
    Kind.TARGETING_CHANGED: (_EVERYONE, ""),
    Kind.EXTENSION_REQUESTED: (_EVERYONE, ""),
    Kind.CANCELLATION_REQUESTED: (_EVERYONE, ""),
    Kind.REQUEST_ACCEPTED: (_EVERYONE, "the extension or cancellation it ran is told in the same mail"),
    Kind.REQUEST_DECLINED: (_EVERYONE, "with the reason"),
    Kind.COMMENT_ADDED: (_EVERYONE, "an internal comment: not the supplier"),
    Kind.STARTS_TOMORROW: (_EVERYONE, "daily task, once per promo"),
    Kind.STARTED: (_EVERYONE, "daily task, once per promo"),
    Kind.FINISHED: (_EVERYONE, "daily task, once per promo"),
    Kind.DECISION_DUE: (frozenset({DECIDING_MANAGER}),
                        "daily task: due on the next working day (or today, if sent after the run before); "
                        "one digest per person, once per revision"),
    Kind.DECISION_OVERDUE: (frozenset({DECIDING_MANAGER, MARKETER, HEAD_OF_CATEGORY}),
                            "daily task: past its due date; one digest per person, once per revision"),
    Kind.EXPORT_FAILED: (frozenset({MARKETER}), "a run or its Set Retail delivery failed or was rejected; "
                                                "also to whoever started the run"),
    Kind.EXPORT_WARNINGS: (frozenset({MARKETER}), "also to whoever started the run"),
}

# The outcome of asynchronous work (an export run, its Set Retail delivery) is news to the person
# who started it too: the event's actor, otherwise never told about his own doing.
STARTER_HEARS = frozenset({Kind.EXPORT_FAILED, Kind.EXPORT_WARNINGS})


def roles_for(kind: str) -> frozenset[str]:
    """The roles that hear about ``kind`` (an unknown kind: nobody)."""
    entry = ROUTING.get(kind)
    return entry[0] if entry is not None else frozenset()


# Event kinds a supplier user can ever receive (the settings page offers only these to them).
SUPPLIER_KINDS = tuple(kind for kind in Kind if SUPPLIER in roles_for(kind))


def kinds_heard(roles, *, starts_work: bool = False) -> tuple[str, ...]:
    """The event kinds someone holding ``roles`` (of :data:`ROLES`) can ever be mailed about, in
    the kinds' order; ``starts_work``: he may start the background work of :data:`STARTER_HEARS`
    (an export run), whose outcome he hears as its starter. The settings page offers these only:
    a checkbox for a kind nobody of his roles is sent is a switch that does nothing."""
    roles = frozenset(roles)
    return tuple(kind for kind in Kind
                 if roles & roles_for(kind) or (starts_work and kind in STARTER_HEARS))


def routing_table_markdown() -> str:
    """The routing table as docs/development/notifications.md shows it."""
    head = ["event", *(ROLE_TITLES[role] for role in ROLES), "when"]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for kind in Kind:
        roles, note = ROUTING[kind]
        cells = [f"`{kind.value}`", *("yes" if role in roles else "—" for role in ROLES), note or "—"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
