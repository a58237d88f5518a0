"""Every sort the lists offer has an index to walk (issue 12: "indexes for every filter and sort
the pages offer"): the API lists' `ordering` fields and the approval queue's sorts. A sort by a
column without an index makes PostgreSQL read and sort every row of a year to show 50. A new
`ordering_fields` entry or queue sort without its index fails here."""

import pytest
from django.db import connection
from django.db.models import F, OrderBy

from branches.models import Branch, BranchGroup, City, Region
from config.api import router
from promo.models import Promo
from promo.views.approval import SORTS
from suppliers.models import Category, Supplier

pytestmark = pytest.mark.django_db

# The chain's reference tables: a few hundred rows at most, for good (7 regions, their cities,
# ~300 stores and their groups, ~100 suppliers, 18 categories). Sorting them costs less than
# keeping an index per sortable column; every table that grows with the year is held to one.
BOUNDED = {Region, City, Branch, BranchGroup, Supplier, Category}


def leading_columns(model) -> list[tuple[str, ...]]:
    """The column lists of the table's indexes (unique constraints and primary key included)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [tuple(info["columns"]) for info in constraints.values() if info["columns"] and (info["index"] or info["unique"]
                                                                                            or info["primary_key"])]


def column_of(model, path: str) -> tuple[object, str]:
    """The model and column a sort path ends on (``supplier__code``: Supplier's ``code``)."""
    *joins, name = path.lstrip("-").split("__")
    for join in joins:
        model = model._meta.get_field(join).related_model
    return model, model._meta.get_field(name).column


def indexed(model, column: str, *, after: tuple[str, ...] = ()) -> bool:
    """An index starts with ``column``, or with the columns of ``after`` (what the list always
    filters on with equality) and then ``column``."""
    return any(columns[0] == column or columns[:len(after) + 1] == (*after, column)
               for columns in leading_columns(model))


def api_orderings():
    for prefix, viewset, _basename in router.registry:
        for field in getattr(viewset, "ordering_fields", None) or ():
            view = viewset(action="list", request=None, format_kwarg=None)
            model = view.get_serializer_class().Meta.model
            if model not in BOUNDED:
                yield pytest.param(model, field, id=f"{prefix}:{field}")


@pytest.mark.parametrize(("model", "field"), list(api_orderings()))
def test_every_api_ordering_walks_an_index(model, field):
    target, column = column_of(model, field)
    assert indexed(target, column), f"{target._meta.db_table}.{column}: ?ordering={field} has no index"


def queue_sort_paths():
    for key, parts in SORTS.items():
        for part in parts:
            expression = part.expression if isinstance(part, OrderBy) else part
            name = expression.name if isinstance(expression, F) else str(expression)
            # (my_pending: the manager's own lines to decide, counted for the page's rows only)
            if name.lstrip("-") not in {"pk", "id", "my_pending"}:
                yield pytest.param(key, name, id=f"{key}:{name}")


@pytest.mark.parametrize(("key", "path"), list(queue_sort_paths()))
def test_every_queue_sort_walks_an_index(key, path):
    # the queue lists submitted promos: its sorts go by status, then the sort's column
    target, column = column_of(Promo, path)
    after = ("status",) if target is Promo else ()
    assert indexed(target, column, after=after), f"queue sort {key!r}: {target._meta.db_table}.{column} has no index"
