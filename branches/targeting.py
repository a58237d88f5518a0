"""Targeting: which branches a promo runs in.

A rule set is the whole chain, or any mix of regions, cities, branch groups and single
branches, minus excluded branches. Rules are stored (as a small JSON document, by primary
key) rather than their expansion, so a branch opened later in a targeted region is covered
and a closed branch drops out: :func:`resolve` expands rules on a given date.

:func:`parse_branches_text` turns the «Филиалы» cell of a supplier sheet into rules:
``Все`` (the chain), region or city names, branch-group names or branch codes, separated by
``;`` or ``,``; a part prefixed with ``-``, ``кроме`` or ``без`` is an exclusion, and so are
the branch codes that follow it after commas («Все, кроме B0003, B0004» leaves out both) until
a ``;``, a line break or a part that is not a branch code. «Все» together with parts to
include («Все; Томская область») is refused, as the editor refuses it
(:attr:`Targeting.chain_with_picks`), and so is an exclusion the parts to include never reach
(«Томская область; кроме B0200» with B0200 in Kemerovo: :func:`unreached_exclusions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Max, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from branches.models import Branch, BranchGroup, City, Region
from branches.querysets import open_on_condition

ALL_WORDS = {"все", "всё", "вся сеть", "все филиалы", "all", "all branches", "chain", "сеть"}
EXCLUDE_PREFIX = re.compile(r"^\s*(?:-|−|кроме\s+|без\s+|except\s+|not\s+)", re.IGNORECASE)
CLAUSE_SEPARATORS = re.compile(r"[;\n]+")


@dataclass(frozen=True)
class Targeting:
    """A rule set. Lists hold primary keys and are kept sorted, so equal rules compare equal
    (the importer groups rows into promos by them)."""

    chain: bool = False
    regions: tuple[int, ...] = ()
    cities: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()
    branches: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in ("regions", "cities", "groups", "branches", "exclude"):
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))

    @classmethod
    def whole_chain(cls) -> Targeting:
        return cls(chain=True)

    @classmethod
    def from_json(cls, data: dict | None) -> Targeting:
        data = data or {}
        return cls(
            chain=bool(data.get("chain")),
            regions=tuple(data.get("regions", ())),
            cities=tuple(data.get("cities", ())),
            groups=tuple(data.get("groups", ())),
            branches=tuple(data.get("branches", ())),
            exclude=tuple(data.get("exclude", ())),
        )

    def to_json(self) -> dict:
        return {
            "chain": self.chain,
            "regions": list(self.regions),
            "cities": list(self.cities),
            "groups": list(self.groups),
            "branches": list(self.branches),
            "exclude": list(self.exclude),
        }

    @property
    def is_empty(self) -> bool:
        return not (self.chain or self.regions or self.cities or self.groups or self.branches)

    @property
    def chain_with_picks(self) -> bool:
        """The whole chain and regions, cities, groups or branches to include besides: the
        picks mean nothing (the chain has them all), yet whoever made them thought he narrowed
        the promo, so it is refused (:data:`CHAIN_WITH_PICKS`; the editor's form, its service and
        the sheets' «Все; Томская область»). Exclusions with the chain are fine."""
        return self.chain and bool(self.regions or self.cities or self.groups or self.branches)

    def branch_filter(self) -> Q:
        """A Q over Branch selecting the targeted branches, before dates are applied."""
        if self.chain:
            included = Q()
        else:
            included = Q(pk__in=[])
            if self.regions:
                included |= Q(region_id__in=self.regions)
            if self.cities:
                included |= Q(city_id__in=self.cities)
            if self.groups:
                included |= Q(groups__in=self.groups)
            if self.branches:
                included |= Q(pk__in=self.branches)
        if self.exclude:
            included &= ~Q(pk__in=self.exclude)
        return included

    def describe(self) -> str:
        """A short human text («Вся сеть», «Новосибирская область; B0001; кроме B0005»)."""
        parts: list[str] = []
        if self.chain:
            parts.append(_("Вся сеть"))
        parts += [r.name for r in Region.objects.filter(pk__in=self.regions)]
        parts += [c.name for c in City.objects.filter(pk__in=self.cities)]
        parts += [g.name for g in BranchGroup.objects.filter(pk__in=self.groups)]
        parts += [b.code for b in Branch.objects.filter(pk__in=self.branches)]
        excluded = [b.code for b in Branch.objects.filter(pk__in=self.exclude)]
        if excluded:
            parts.append(_("кроме %(codes)s") % {"codes": ", ".join(excluded)})
        return "; ".join(parts) or "—"


def runs_condition(targeting: Targeting, *, on, until=None) -> Q:
    """A Q over Branch: targeted and open on ``on``; with ``until`` (a promo's end), not closed
    on or before that day either, as the exports require. What :func:`resolve` selects."""
    condition = targeting.branch_filter() & open_on_condition(on)
    if until is not None:
        condition &= Q(closed__isnull=True) | Q(closed__gt=until)
    return condition


def resolve(targeting: Targeting, *, on, until=None) -> QuerySet[Branch]:
    """Branches targeted and open on ``on``, not closed by ``until`` (:func:`runs_condition`)."""
    if targeting.is_empty:
        return Branch.objects.none()
    return Branch.objects.filter(runs_condition(targeting, on=on, until=until)).distinct().order_by("code")


# One CASE per distinct rule set in a query; PostgreSQL allows 1,664 columns in a select list.
RESOLVE_AMONG_CHUNK = 400

RuleKey = tuple[Targeting, object, object]  # (rules, on, until) as resolve() takes them


def resolve_among(keys: Iterable[RuleKey], *, branch_ids: Iterable[int]) -> dict[RuleKey, frozenset[int]]:
    """For each ``(rules, on, until)``, which of ``branch_ids`` :func:`resolve` would give: the
    same condition, asked of the few branches at hand for any number of rule sets at once (one
    query per 400 distinct rule sets, not one per set), e.g. to tell which promos an edit of a
    branch or a group moves (branches/usage.py)."""
    keys, branch_ids = list(dict.fromkeys(keys)), list(set(branch_ids))
    found: dict[RuleKey, frozenset[int]] = {key: frozenset() for key in keys}
    wanted = [key for key in keys if not key[0].is_empty]
    if not branch_ids:
        return found
    for index in range(0, len(wanted), RESOLVE_AMONG_CHUNK):
        chunk = wanted[index:index + RESOLVE_AMONG_CHUNK]
        columns = {
            f"k{n}": Max(Case(When(runs_condition(rules, on=on, until=until), then=Value(1)),
                              default=Value(0), output_field=IntegerField()))
            for n, (rules, on, until) in enumerate(chunk)
        }
        # Grouped by branch: a rule on groups joins the memberships, one row per group.
        rows = Branch.objects.filter(pk__in=branch_ids).order_by().values("pk").annotate(**columns)
        selected: dict[int, set[int]] = {n: set() for n in range(len(chunk))}
        for row in rows:
            for n in range(len(chunk)):
                if row[f"k{n}"]:
                    selected[n].add(row["pk"])
        for n, key in enumerate(chunk):
            found[key] = frozenset(selected[n])
    return found


def chain_with_picks_message() -> str:
    """The refusal of :attr:`Targeting.chain_with_picks`, in the active language."""
    return _("«Вся сеть» уже включает все филиалы: снимите «Вся сеть» или уберите выбранные регионы, "
             "города, группы и филиалы. Исключения («Кроме филиалов») можно оставить.")


def unreached_exclusions(targeting: Targeting) -> list[str]:
    """The codes of the excluded branches the rules to include never reach, on any date
    («Томская область; кроме B0200» with B0200 in Kemerovo): an exclusion that does nothing,
    refused by the targeting editor (:func:`unreached_exclusions_message`). None with the chain
    (it reaches every branch) or with nothing to include."""
    if targeting.chain or targeting.is_empty or not targeting.exclude:
        return []
    included = Targeting(regions=targeting.regions, cities=targeting.cities, groups=targeting.groups,
                         branches=targeting.branches).branch_filter()
    return list(Branch.objects.filter(pk__in=targeting.exclude).exclude(
        pk__in=Branch.objects.filter(included).values("pk")).order_by("code").values_list("code", flat=True))


def unreached_exclusions_message(codes: list[str]) -> str:
    return _("«Кроме филиалов»: %(codes)s не входят в выбранные регионы, города, группы и филиалы, "
             "исключать их не из чего. Уберите их из «Кроме филиалов».") % {"codes": ", ".join(codes)}


class TargetingParseError(ValueError):
    """The «Филиалы» text names something the chain does not have (``unknown``), or, with
    ``reason="chain_with_picks"``, «Все» together with the parts to include in ``unknown``
    (:attr:`Targeting.chain_with_picks`), or, with ``reason="exclusion_unreached"``, the codes
    of excluded branches the parts to include never reach (:func:`unreached_exclusions`)."""

    def __init__(self, unknown: list[str], *, reason: str = ""):
        self.unknown = unknown
        self.reason = reason
        super().__init__(chain_with_picks_message() if reason == "chain_with_picks" else
                         unreached_exclusions_message(unknown) if reason == "exclusion_unreached" else
                         _("Неизвестные филиалы, города или регионы: %(names)s") % {"names": ", ".join(unknown)})


def _fold(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


@dataclass
class TargetingCatalog:
    """Name lookups for the parser, loaded once (a bulk import parses thousands of cells)."""

    regions: dict[str, int] = field(default_factory=dict)
    cities: dict[str, list[int]] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    branches: dict[str, int] = field(default_factory=dict)
    # Where each branch is (region, city), and the groups it is in (read at the first cell that
    # excludes a branch from rules naming a group), to refuse an exclusion those never reach.
    places: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    _branch_groups: dict[int, set[int]] | None = None
    _cache: dict[str, Targeting] = field(default_factory=dict)

    @classmethod
    def load(cls) -> TargetingCatalog:
        catalog = cls()
        for pk, code, name in Region.objects.values_list("pk", "code", "name"):
            catalog.regions[_fold(name)] = pk
            catalog.regions[_fold(code)] = pk
        for pk, name in City.objects.values_list("pk", "name"):
            catalog.cities.setdefault(_fold(name), []).append(pk)
        for pk, name in BranchGroup.objects.values_list("pk", "name"):
            catalog.groups[_fold(name)] = pk
        for pk, code, region_id, city_id in Branch.objects.values_list("pk", "code", "region_id", "city_id"):
            catalog.branches[_fold(code)] = pk
            catalog.places[pk] = (code, region_id, city_id)
        return catalog

    def _unreached(self, rules: Targeting) -> list[str]:
        """:func:`unreached_exclusions` over the catalogue (no query per cell)."""
        if rules.groups and self._branch_groups is None:
            self._branch_groups = {}
            for branch_id, group_id in BranchGroup.branches.through.objects.values_list("branch_id", "branchgroup_id"):
                self._branch_groups.setdefault(branch_id, set()).add(group_id)
        unreached = []
        for pk in rules.exclude:
            code, region_id, city_id = self.places[pk]
            if not (pk in rules.branches or region_id in rules.regions or city_id in rules.cities
                    or (rules.groups and self._branch_groups.get(pk, set()) & set(rules.groups))):
                unreached.append(code)
        return sorted(unreached)

    def parse(self, text: str | None) -> Targeting:
        """Parse a «Филиалы» cell. An empty cell means the whole chain."""
        key = (text or "").strip()
        if key not in self._cache:
            self._cache[key] = self._parse(key)
        return self._cache[key]

    def _parse(self, text: str) -> Targeting:
        if not text:
            return Targeting.whole_chain()
        chain = False
        regions: list[int] = []
        cities: list[int] = []
        groups: list[int] = []
        branches: list[int] = []
        exclude: list[int] = []
        unknown: list[str] = []
        picked: list[str] = []  # the parts to include, as written
        for clause in CLAUSE_SEPARATORS.split(text):
            excluding = False  # «кроме» carries over commas, never over «;»
            for raw in clause.split(","):
                part = raw.strip()
                if not part:
                    continue
                prefixed = bool(EXCLUDE_PREFIX.match(part))
                name = _fold(EXCLUDE_PREFIX.sub("", part)) if prefixed else _fold(part)
                if prefixed and name not in self.branches:
                    unknown.append(part)
                    excluding = False
                    continue
                excluding = (prefixed or excluding) and name in self.branches
                if excluding:
                    exclude.append(self.branches[name])
                elif name in ALL_WORDS:
                    chain = True
                elif name in self.branches:
                    branches.append(self.branches[name])
                    picked.append(part)
                elif name in self.regions:
                    regions.append(self.regions[name])
                    picked.append(part)
                elif name in self.cities:
                    cities.extend(self.cities[name])
                    picked.append(part)
                elif name in self.groups:
                    groups.append(self.groups[name])
                    picked.append(part)
                else:
                    unknown.append(part)
        if unknown:
            raise TargetingParseError(unknown)
        if Targeting(chain=chain, regions=tuple(regions), cities=tuple(cities), groups=tuple(groups),
                     branches=tuple(branches)).chain_with_picks:
            raise TargetingParseError(picked, reason="chain_with_picks")
        if chain or not (regions or cities or groups or branches):
            # «Все» or only exclusions («кроме B0005»): the chain minus the exclusions.
            return Targeting(chain=True, exclude=tuple(exclude))
        rules = Targeting(regions=tuple(regions), cities=tuple(cities), groups=tuple(groups),
                          branches=tuple(branches), exclude=tuple(exclude))
        if rules.exclude and (unreached := self._unreached(rules)):
            raise TargetingParseError(unreached, reason="exclusion_unreached")
        return rules


def parse_branches_text(text: str | None, *, catalog: TargetingCatalog | None = None) -> Targeting:
    """Parse a «Филиалы» cell into rules; raises :class:`TargetingParseError` naming every
    unknown part."""
    return (catalog or TargetingCatalog.load()).parse(text)
