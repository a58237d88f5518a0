"""Who names reference data in branch rules. A promo's rules (branches.targeting) hold branch,
group, city and region ids; the app above that stores them (promo) registers a lookup here, so
Django admin can refuse to delete what a promo names: the deleted id would silently drop out of
the promo's rules, and the promo out of those branches' tills at the next export. (A lower app
never imports promo: ARCHITECTURE.md, tests/test_architecture.py.)"""

from __future__ import annotations

from collections.abc import Callable, Collection

# A lookup takes the rules' list name ("branches", "groups", "cities", "regions") and ids, and
# returns one text per thing that names any of them (e.g. «P000003 «Весна»»).
TargetingLookup = Callable[[str, Collection[int]], list[str]]
_LOOKUPS: list[TargetingLookup] = []


def register_targeting_users(lookup: TargetingLookup) -> TargetingLookup:
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)
    return lookup


def targeting_users(field: str, ids: Collection[int]) -> list[str]:
    """What names any of ``ids`` in its ``field`` list of branch rules, as texts."""
    ids = set(ids)
    return [text for lookup in _LOOKUPS for text in lookup(field, ids)] if ids else []
