"""Functions an app above registers for an app below to call: the lower app never imports the
higher one (ARCHITECTURE.md, tests/test_architecture.py), e.g. promo tells branches which promos
name a branch (branches/usage.py), or how its events' payloads read (promo/payload_wording.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


class Hooks(list):
    """The registered functions, in the order registered; each once however often it is
    registered (a module imported twice, an ``AppConfig.ready`` run again in tests)."""

    def register(self, function: F) -> F:
        """Usable as a decorator: returns ``function``."""
        if function not in self:
            self.append(function)
        return function
