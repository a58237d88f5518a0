"""What `make bench-web` asks for: the pages of each role, found in the database.

``make_plan`` reads the data set once (Django ORM) and returns plain data (usernames and
paths), so the load client itself never touches the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SUPPLIER, MANAGER, MARKETER, ADMIN = "supplier", "category manager", "marketer", "administrator"
ROLES = (SUPPLIER, MANAGER, MARKETER, ADMIN)
# Of 50 virtual users: 25 supplier users, 13 category managers, 8 marketers, 4 administrators.
ROLE_SHARE = {SUPPLIER: 0.5, MANAGER: 0.26, MARKETER: 0.16, ADMIN: 0.08}


@dataclass(frozen=True)
class Page:
    """One page (or API list) as one user asks for it."""

    name: str
    username: str | None  # None: anonymous
    path: str


@dataclass(frozen=True)
class Visit:
    """A page kind in a role's mix: a weight and the paths to pick from (promo ids vary)."""

    name: str
    weight: int
    paths: tuple[str, ...]


@dataclass(frozen=True)
class VirtualUser:
    username: str
    role: str
    mix: tuple[Visit, ...]


@dataclass
class Plan:
    single: list[Page] = field(default_factory=list)  # phase (a): each page alone
    users: list[VirtualUser] = field(default_factory=list)  # phase (b): the mix
    big_promo_lines: int = 0


def _promo_ids(queryset, count: int, rng: random.Random) -> list[int]:
    ids = list(queryset.values_list("pk", flat=True)[:2000])
    return rng.sample(ids, min(count, len(ids)))


def role_counts(users: int) -> dict[str, int]:
    """How many virtual users of each role: every role at least once from 4 users on."""
    counts = {role: max(1 if users >= len(ROLES) else 0, round(users * share)) for role, share in ROLE_SHARE.items()}
    counts[SUPPLIER] += users - sum(counts.values())
    return counts


def make_plan(*, users: int = 50, seed: int = 7) -> Plan:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from promo.models import Promo

    rng = random.Random(seed)
    User = get_user_model()
    Status = Promo.Status
    plan = Plan()

    # The three pages everybody's pages are compared with.
    login = Page("/login/ (GET, anonymous)", None, "/login/")

    # Supplier users, those of the suppliers with the most promos first.
    suppliers = (Promo.objects.values("supplier__code").annotate(n=Count("pk")).order_by("-n", "supplier__code"))
    supplier_names = [f"s{row['supplier__code'][1:]}" for row in suppliers]
    supplier_names = [name for name in supplier_names if User.objects.filter(username=name).exists()]
    big = (Promo.objects.annotate(n=Count("lines")).filter(status=Status.SUBMITTED).order_by("-n", "pk").first())
    plan.big_promo_lines = big.n if big else 0
    marketer, manager, admin = (User.objects.get(username=name) for name in ("marketer", "manager", "admin"))

    def ids_for(username: str, count: int = 40, **filters) -> tuple[str, ...]:
        user = User.objects.get(username=username)
        queryset = Promo.objects.restrict(user).filter(**filters).order_by("pk")
        return tuple(f"/promo/{pk}/" for pk in _promo_ids(queryset, count, rng))

    top = supplier_names[0]
    top_promo = ids_for(top, 1)[0]
    submitted = ids_for("manager", 1, status=Status.SUBMITTED)[0]
    plan.single = [
        login,
        Page("home (supplier)", top, "/"),
        Page("promo list (supplier)", top, "/promo/"),
        Page("promo page (supplier)", top, top_promo),
        Page("uploads (supplier)", top, "/promo/uploads/"),
        Page("API promos (supplier)", top, "/api/v1/promos/"),
        Page("API products (supplier)", top, "/api/v1/products/"),
        Page("home (manager)", manager.username, "/"),
        Page("queue (manager, all categories)", manager.username, "/promo/queue/"),
        Page("queue (manager1)", "manager1", "/promo/queue/"),
        Page("promo page (manager)", manager.username, submitted),
        Page("history (manager)", manager.username, submitted + "history/"),
        Page("home (marketer)", marketer.username, "/"),
        Page("promo list (marketer)", marketer.username, "/promo/"),
        Page("calendar (marketer)", marketer.username, "/promo/calendar/"),
        Page("activity log (marketer)", marketer.username, "/promo/activity/"),
        Page("exports (marketer)", marketer.username, "/exports/"),
        Page("API promos (marketer)", marketer.username, "/api/v1/promos/"),
        Page("API uploads (marketer)", marketer.username, "/api/v1/uploads/"),
        Page("admin promos (administrator)", admin.username, "/admin/promo/promo/"),
    ]
    if big:
        plan.single += [
            Page(f"promo page {big.n} lines (deciding manager)", manager.username, f"/promo/{big.pk}/"),
            Page(f"promo page {big.n} lines (marketer)", marketer.username, f"/promo/{big.pk}/"),
        ]

    counts = role_counts(users)
    managers = ["manager", "manager1", "manager2", "manager3"]
    for index in range(counts[SUPPLIER]):
        name = supplier_names[index % len(supplier_names)]
        plan.users.append(VirtualUser(name, SUPPLIER, (
            Visit("home", 20, ("/",)),
            Visit("promo list", 30, ("/promo/",)),
            Visit("promo page", 30, ids_for(name, 20)),
            Visit("uploads", 10, ("/promo/uploads/",)),
            Visit("API promos", 10, ("/api/v1/promos/",)),
        )))
    for index in range(counts[MANAGER]):
        name = managers[index % len(managers)]
        pages = ids_for(name, 30, status=Status.SUBMITTED) or ids_for(name, 30)
        mix = [Visit("queue", 40, ("/promo/queue/",)), Visit("promo page", 40, pages),
               Visit("home", 10, ("/",)), Visit("promo list", 10, ("/promo/",))]
        if big and name == "manager":
            mix.append(Visit(f"promo page {big.n} lines", 3, (f"/promo/{big.pk}/",)))
        plan.users.append(VirtualUser(name, MANAGER, tuple(mix)))
    marketer_pages = ids_for("marketer", 40)
    for _index in range(counts[MARKETER]):
        plan.users.append(VirtualUser("marketer", MARKETER, (
            Visit("promo list", 25, ("/promo/",)),
            Visit("promo page", 25, marketer_pages),
            Visit("calendar", 15, ("/promo/calendar/",)),
            Visit("activity log", 15, ("/promo/activity/",)),
            Visit("exports", 10, ("/exports/",)),
            Visit("API promos", 10, ("/api/v1/promos/",)),
        )))
    for _index in range(counts[ADMIN]):
        plan.users.append(VirtualUser("admin", ADMIN, (
            Visit("home", 30, ("/",)),
            Visit("promo list", 30, ("/promo/",)),
            Visit("promo page", 20, marketer_pages),
            Visit("admin promos", 20, ("/admin/promo/promo/",)),
        )))
    return plan
