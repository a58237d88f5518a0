"""Architecture rules of issue 9 («Done when»), ARCHITECTURE.md and STYLE.md §13, checked on the
source code with ``ast``: no database, no Django, no import of the code under test.

1. **No import cycle** between the modules of the application packages (``APPS``). Every import
   counts: at module level and inside functions (a lazy import hides a circle, it does not remove
   it). Not counted: imports under ``if TYPE_CHECKING:`` (they never run), migrations.

   The one accepted circle is *a module enqueuing its own Celery task* (STYLE.md §13). The import
   ``A -> T`` is left out of the graph when all of these hold (``own_task_enqueue``):
   - ``T`` is a tasks module of A's app: ``<app>.tasks`` or ``<app>.tasks.<area>``;
   - ``T`` imports ``A`` (the task calls A back: that is what makes it A's own task);
   - every import of ``T`` in ``A`` is inside a function (importing A never loads T), written
     ``from T import task``;
   - each name A takes from T is used only to enqueue it: ``task.delay(...)``,
     ``task.apply_async(...)``, or a signature ``task.s(...)`` / ``task.si(...)`` /
     ``task.signature(...)``; calling the task function directly is not enqueuing.
   Anything else that closes a circle is a cycle.
2. **No application module over ``MAX_LINES`` lines** (migrations excluded).
3. **Layering** (ARCHITECTURE.md): ``exports -> promo -> suppliers, branches``; the reference-data
   apps never import ``promo`` or ``exports`` (``MAY_IMPORT``). ``config`` is the project: only its
   entry points (the URL map, the API router) import the apps, and the apps use its helpers
   (parsing, locks, pagination, ...) but never its entry points or settings modules.

What exists today and is being removed by another stream is in an allowlist (``ALLOWED_CYCLES``,
``ALLOWED_BIG_MODULES``), each entry with the stream that removes it. An entry that no longer
applies fails the test as well, so the lists can only shrink: when your change fixes one, delete
its entry.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "branches", "suppliers", "promo", "exports", "config")
MAX_LINES = 500

# Import cycles on the branch today, each as the modules in import order starting from the
# smallest name (the last one imports the first). Delete an entry when its cycle is gone.
ALLOWED_CYCLES: dict[tuple[str, ...], str] = {}

# Modules over MAX_LINES on the branch today. Delete an entry when its module is split.
ALLOWED_BIG_MODULES: dict[str, str] = {}

# Which other apps each app may import (ARCHITECTURE.md: dependencies point one way).
MAY_IMPORT: dict[str, set[str]] = {
    "exports": {"promo", "suppliers", "branches"},
    "promo": {"suppliers", "branches"},
    "suppliers": {"branches"},  # TimeStampedModel lives in branches.models
    "branches": set(),
    "accounts": set(),  # signing in and API tokens: below every app, uses config's helpers only
}
# The project's entry points: the only config modules that import the apps, and that no app imports.
CONFIG_ENTRY_POINTS = ("config.urls", "config.api", "config.wsgi", "config.asgi")
# Settings: read through django.conf.settings, never imported by an app.
CONFIG_SETTINGS = ("config.django", "config.settings")

ENQUEUE_METHODS = {"delay", "apply_async", "s", "si", "signature"}


def within(module: str, names: Iterable[str]) -> bool:
    """Whether ``module`` is one of ``names`` or inside one of them (``config.api`` is not
    ``config.api_exceptions``)."""
    return any(module == name or module.startswith(f"{name}.") for name in names)


@dataclass(frozen=True)
class Import:
    """One import statement's edge: ``importer`` imports ``imported`` at ``line``."""

    importer: str
    imported: str
    line: int
    in_function: bool
    # A ``from imported import name`` inside a function, each name used only as name.delay(...)
    # and the like: the shape of enqueuing a Celery task.
    enqueue_only: bool = False

    def describe(self, paths: Mapping[str, Path]) -> str:
        where = "inside a function" if self.in_function else "at module level"
        path = paths[self.importer].relative_to(ROOT) if self.importer in paths else self.importer
        return f"{self.importer} imports {self.imported} ({path}, line {self.line}, {where})"


# --- reading the code ------------------------------------------------------------------------


def application_modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``APPS`` except migrations."""
    modules = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _uses_only_to_enqueue(function: ast.AST, name: str) -> bool:
    """Whether every use of ``name`` in ``function`` is ``name.<enqueue method>`` (one use at least)."""
    parents = {id(child): node for node in ast.walk(function) for child in ast.iter_child_nodes(node)}
    uses = [node for node in ast.walk(function)
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)]
    return bool(uses) and all(
        isinstance(parent := parents.get(id(use)), ast.Attribute) and parent.attr in ENQUEUE_METHODS
        for use in uses
    )


def module_imports(module: str, source: str, *, is_package: bool, known: Iterable[str]) -> list[Import]:
    """Imports of ``module`` that land in ``known`` modules, module-level and inside functions.

    ``import a.b.c`` is an import of ``a.b.c`` (or of its longest known prefix);
    ``from a.b import c`` is an import of the module ``a.b.c`` if there is one, else of ``a.b``;
    relative imports are resolved against ``module``."""
    known = set(known)
    found: list[Import] = []

    def target_of(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST, function: ast.AST | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit_one(other, function)
                continue
            visit_one(child, function)

    def visit_one(child: ast.AST, function: ast.AST | None) -> None:
        if isinstance(child, ast.Import):
            for alias in child.names:
                if (target := target_of(alias.name)) and target != module:
                    found.append(Import(module, target, child.lineno, function is not None))
        elif isinstance(child, ast.ImportFrom):
            if child.level:
                base = module if is_package else module.rpartition(".")[0]
                for _ in range(child.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{child.module}" if child.module else base
            else:
                base = child.module or ""
            names: dict[str, list[str]] = {}
            for alias in child.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in known else target_of(base)
                if target and target != module:
                    names.setdefault(target, []).append(alias.asname or alias.name)
            for target, bound in names.items():
                # Names taken from the module itself (not ``from app import tasks``).
                enqueue_only = function is not None and target == base and all(
                    name != "*" and _uses_only_to_enqueue(function, name) for name in bound
                )
                found.append(Import(module, target, child.lineno, function is not None, enqueue_only))
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            visit(child, child)
        else:
            visit(child, function)

    visit(ast.parse(source), None)
    return found


def import_graph(modules: Mapping[str, Path]) -> dict[tuple[str, str], list[Import]]:
    """(importer, imported) -> the import statements behind that edge."""
    edges: dict[tuple[str, str], list[Import]] = {}
    for module, path in modules.items():
        source = path.read_text(encoding="utf-8")
        for found in module_imports(module, source, is_package=path.name == "__init__.py", known=modules):
            edges.setdefault((found.importer, found.imported), []).append(found)
    return edges


def own_task_enqueue(edge: tuple[str, str], edges: Mapping[tuple[str, str], list[Import]]) -> bool:
    """Whether the edge ``A -> T`` is A enqueuing its own Celery task (the accepted circle; see
    the module docstring for the four conditions)."""
    importer, imported = edge
    app = importer.partition(".")[0]
    is_tasks_module = imported.partition(".")[0] == app and (
        imported == f"{app}.tasks" or imported.startswith(f"{app}.tasks.")
    )
    return (
        is_tasks_module
        and (imported, importer) in edges
        and all(found.in_function and found.enqueue_only for found in edges[edge])
    )


# --- cycles ----------------------------------------------------------------------------------


def strongly_connected(adjacency: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's components with more than one module (each holds at least one cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(adjacency.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(adjacency):
        if node not in index:
            connect(node)
    return components


def simple_cycles(adjacency: Mapping[str, set[str]], *, limit: int = 200) -> list[tuple[str, ...]]:
    """Every elementary cycle, each starting from its smallest module name, in import order.
    Past ``limit`` cycles in one component, the component itself is returned (as a sorted
    tuple) rather than every way through it."""
    cycles: list[tuple[str, ...]] = []
    for component in strongly_connected(adjacency):
        found: list[tuple[str, ...]] = []
        for start in sorted(component):
            # Paths from start back to start through larger names only: each cycle once.
            todo = [(start, (start,))]
            while todo and len(found) <= limit:
                node, path = todo.pop()
                for other in sorted(adjacency.get(node, ()) & component, reverse=True):
                    if other == start:
                        found.append(path)
                    elif other > start and other not in path:
                        todo.append((other, (*path, other)))
        cycles += found if len(found) <= limit else [tuple(sorted(component))]
    return sorted(cycles)


def canonical(cycle: tuple[str, ...]) -> tuple[str, ...]:
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


@pytest.fixture(scope="module")
def modules() -> dict[str, Path]:
    found = application_modules()
    # The walk sees the code: not a vacuous pass if the layout moved.
    assert "promo.models" in found and "config.urls" in found and len(found) > 50
    return found


@pytest.fixture(scope="module")
def edges(modules) -> dict[tuple[str, str], list[Import]]:
    return import_graph(modules)


def cycles_of(edges: Mapping[tuple[str, str], list[Import]]) -> list[tuple[str, ...]]:
    adjacency: dict[str, set[str]] = {}
    for edge in edges:
        if not own_task_enqueue(edge, edges):
            adjacency.setdefault(edge[0], set()).add(edge[1])
    return simple_cycles(adjacency)


def test_no_import_cycle_except_a_module_enqueuing_its_own_task(modules, edges):
    # given: the import graph of the application packages, without the accepted circle
    # when: its cycles are listed
    cycles = cycles_of(edges)

    # then: none beyond the allowlist
    problems = []
    for cycle in cycles:
        if canonical(cycle) in {canonical(allowed) for allowed in ALLOWED_CYCLES}:
            continue
        steps = [
            found.describe(modules)
            for importer, imported in zip(cycle, (*cycle[1:], cycle[0]), strict=True)
            for found in edges.get((importer, imported), [])[:1]
        ]
        problems.append(
            "Import cycle " + " -> ".join((*cycle, cycle[0])) + ":\n    " + "\n    ".join(steps)
            + "\n  Break it: a lower layer never imports a higher one. Move what both need into the"
            " lower module, or hand it down (an argument, a callback, an event). A lazy import"
            " inside a function is still a cycle; the only accepted circle is a module enqueuing"
            " its own Celery task (tests/test_architecture.py docstring)."
        )
    assert not problems, "\n\n".join(problems)


def test_the_allowed_cycles_still_exist(edges):
    # given: the cycles of today's code
    cycles = {canonical(cycle) for cycle in cycles_of(edges)}

    # then: each allowlisted cycle is one of them (the list only shrinks)
    stale = [
        f"ALLOWED_CYCLES lists {' -> '.join((*cycle, cycle[0]))} ({stream}), which no longer exists:"
        " delete the entry from tests/test_architecture.py."
        for cycle, stream in ALLOWED_CYCLES.items() if canonical(cycle) not in cycles
    ]
    assert not stale, "\n".join(stale)


def test_no_application_module_over_the_size_limit(modules):
    # given: every application module but the migrations, with its length
    lengths = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules.values()
    }

    # then: none over the limit beyond the allowlist, and every allowlisted one still over it
    big = [
        f"{path} has {lines} lines (limit {MAX_LINES}): split it by use case around a small kernel"
        " (STYLE.md §13), or move generic machinery out of it."
        for path, lines in sorted(lengths.items()) if lines > MAX_LINES and path not in ALLOWED_BIG_MODULES
    ]
    stale = [
        f"ALLOWED_BIG_MODULES lists {path} ({stream}), which is gone or no longer over {MAX_LINES}"
        " lines: delete the entry from tests/test_architecture.py."
        for path, stream in ALLOWED_BIG_MODULES.items() if lengths.get(path, 0) <= MAX_LINES
    ]
    assert not big + stale, "\n".join(big + stale)


def layering_problems(edges: Mapping[tuple[str, str], list[Import]], paths: Mapping[str, Path]) -> list[str]:
    """Each import between two application packages that breaks the layering, as a message."""
    problems = []
    for (importer, imported), found in sorted(edges.items()):
        source, target = importer.partition(".")[0], imported.partition(".")[0]
        if source == target:
            continue
        where = found[0].describe(paths)
        # Apps import only the apps below them (exports -> promo -> suppliers, branches),
        if source in MAY_IMPORT and target in MAY_IMPORT and target not in MAY_IMPORT[source]:
            allowed = ", ".join(sorted(MAY_IMPORT[source])) or "no other app"
            problems.append(f"{where}: {source} may import {allowed} (ARCHITECTURE.md: exports -> promo ->"
                            f" suppliers, branches). Move the code the lower app needs down into it, or pass"
                            f" it in from above.")
        # no app imports the project's entry points or settings,
        if target == "config" and within(imported, CONFIG_ENTRY_POINTS + CONFIG_SETTINGS):
            problems.append(f"{where}: an app never imports the project's entry points or settings modules"
                            f" (read settings through django.conf.settings).")
        # and only those entry points import the apps.
        if source == "config" and not within(importer, CONFIG_ENTRY_POINTS):
            problems.append(f"{where}: only {', '.join(CONFIG_ENTRY_POINTS)} import the apps; a config"
                            f" helper stays below every app.")
    return problems


def test_dependencies_point_one_way(modules, edges):
    # given: every import between two application packages
    # when: each is checked against the layers
    problems = layering_problems(edges, modules)

    # then: none goes up
    assert not problems, "\n".join(problems)


# --- the checker itself, on made-up code -----------------------------------------------------

SERVICE = '''
from shop.models import Order


def order_place(order):
    from shop.tasks import order_mail

    order_mail.delay(order.pk)
'''
TASKS = '''
from shop.services import order_place
'''


def graph_of(sources: dict[str, str]) -> dict[tuple[str, str], list[Import]]:
    edges: dict[tuple[str, str], list[Import]] = {}
    for module, source in sources.items():
        for found in module_imports(module, source, is_package=False, known=[*sources, "shop.models"]):
            edges.setdefault((found.importer, found.imported), []).append(found)
    return edges


def test_the_reader_counts_module_level_function_level_and_relative_imports():
    # given: a module importing at module level, inside a function, relatively, and for type hints only
    source = '''
from typing import TYPE_CHECKING
import shop.models
from . import forms
from .tasks import order_mail as mail
if TYPE_CHECKING:
    from shop.views import OrderView


class Page:
    from shop.selectors import orders


def place():
    from shop.services import order_place
    return lambda: __import__("os")
'''
    known = ["shop.models", "shop.forms", "shop.tasks", "shop.views", "shop.selectors", "shop.services"]

    # when
    found = module_imports("shop.pages", source, is_package=False, known=known)

    # then: every import but the type-only one, with where it runs
    assert [(f.imported, f.in_function) for f in found] == [
        ("shop.models", False), ("shop.forms", False), ("shop.tasks", False), ("shop.selectors", False),
        ("shop.services", True),
    ]


def test_a_module_enqueuing_its_own_task_is_the_only_accepted_circle():
    # given: a service that enqueues its task lazily, and the task that calls the service back
    edges = graph_of({"shop.services": SERVICE, "shop.tasks": TASKS})

    # then: not a cycle
    assert own_task_enqueue(("shop.services", "shop.tasks"), edges)
    assert cycles_of(edges) == []


@pytest.mark.parametrize(("service", "why"), [
    (SERVICE.replace("order_mail.delay(order.pk)", "order_mail(order.pk)"), "calls the task in-process"),
    (SERVICE.replace("    from shop.tasks import order_mail\n", "") .replace(
        "from shop.models import Order\n", "from shop.models import Order\nfrom shop.tasks import order_mail\n"),
     "imports the task at module level"),
    (SERVICE.replace("from shop.tasks import order_mail", "from shop.tasks import order_mail, helper")
     .replace("order_mail.delay(order.pk)", "order_mail.delay(helper(order.pk))"), "uses more than the task"),
])
def test_any_other_circle_through_a_task_is_a_cycle(service, why):
    # given: a service and its task importing each other in another way
    edges = graph_of({"shop.services": service, "shop.tasks": TASKS})

    # then: a cycle
    assert cycles_of(edges) == [("shop.services", "shop.tasks")], why


def test_a_task_of_another_module_closing_a_circle_is_a_cycle():
    # given: a service enqueuing a task that does not call it but another service, which imports the first
    edges = graph_of({
        "shop.services": SERVICE,
        "shop.tasks": "from shop.mail import mail_send\n",
        "shop.mail": "from shop.services import order_place\n",
    })

    # then: the three-module circle is reported, from its smallest name
    assert cycles_of(edges) == [("shop.mail", "shop.services", "shop.tasks")]


def test_the_layering_check_refuses_imports_going_up():
    # given: made-up imports, two allowed and four going the wrong way
    imports = [
        Import("exports.services", "promo.models", 1, False),
        Import("promo.views", "config.parsing", 1, False),
        Import("branches.targeting", "promo.models", 9, True),
        Import("suppliers.models", "exports.models", 1, False),
        Import("promo.views", "config.urls", 1, False),
        Import("config.parsing", "promo.mechanics", 1, False),
    ]

    # when
    problems = layering_problems({(i.importer, i.imported): [i] for i in imports}, {})

    # then: the four, each naming the import
    assert [problem.partition(" (")[0] for problem in problems] == [
        "branches.targeting imports promo.models", "config.parsing imports promo.mechanics",
        "promo.views imports config.urls", "suppliers.models imports exports.models",
    ]


# --- the map of the code (docs/development/where-things-live.md) -------------------------------

CODE_MAP = ROOT / "docs" / "development" / "where-things-live.md"


def _mapped_paths(text: str) -> list[str]:
    """Every backticked path of the map (``promo/rules.py``, ``exports/ledger/``, ``imports/x.py``
    meaning ``promo/services/imports/x.py``), in order."""
    import re

    paths = []
    for token in re.findall(r"`([^`\s]+)`", text):
        if not (token.endswith(".py") or token.endswith("/")) or "=" in token:
            continue
        if token.startswith("imports/"):
            token = "promo/services/" + token
        paths.append(token)
    return paths


def test_the_code_map_names_only_paths_that_exist():
    # given the newcomer's map of where each rule and step lives
    paths = _mapped_paths(CODE_MAP.read_text(encoding="utf-8"))
    # then it names modules (the parser found them), and every one of them exists: a module that
    # moved or was split must be moved in the map too
    assert len(paths) > 40
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_the_code_map_reader_finds_a_moved_module():
    # given a map naming a module that does not exist
    paths = _mapped_paths("| rules | `promo/gone.py`, `imports/reader.py`, `templates/promo/email/` |")
    # then the check sees it (and resolves the import steps' short names)
    assert paths == ["promo/gone.py", "promo/services/imports/reader.py", "templates/promo/email/"]
    assert not (ROOT / paths[0]).exists()
