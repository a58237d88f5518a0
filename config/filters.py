"""Query parameters of the API, read strictly: a value the schema does not allow is a 400 naming
the parameter (``{"code": "invalid", "fields": {"active": ["…"]}}``), never ignored (which would
answer "all rows") and never a server error.

- :class:`ApiFilterBackend` (the project's filter backend) validates a view's FilterSet and
  builds the FilterSet of ``filterset_fields`` from :class:`ApiFilterSet`, whose filters for
  booleans, dates and foreign keys are the strict ones below;
- :class:`StrictBooleanFilter`: ``true``/``false`` (or ``1``/``0``), nothing else;
- :class:`IsoDateFilter`: ``YYYY-MM-DD`` only (the schema's ``format: date``);
- :class:`IdFilter`: an id (ASCII digits, 1 … 2⁶³−1). An id that is well-formed but unknown, or
  of an object the caller may not see, gives no rows, as any filter that matches nothing: the
  querysets are restricted before they are filtered, so nothing leaks;
- :class:`PortalOrderingFilter`: ``ordering`` lists the view's ``ordering_fields`` (``-`` for
  descending, comma-separated); an unknown one is a 400, and the schema lists the allowed ones.
  A list without ``ordering_fields`` offers no ``ordering`` (nor one without ``search_fields``
  a ``search``: :class:`PortalSearchFilter`);
- :class:`StrictQueryMixin` (on every API view): a query parameter the operation does not read
  is a 400 naming it (``?staus=cancelled`` is not every promo). A list reads its filters,
  ``search`` and ``ordering`` where it offers them, ``page`` and ``page_size``; another operation
  what its ``query_parameters`` declare (the serializers and parameters its schema lists); every
  operation ``format`` (DRF's choice of renderer). The schema documents exactly these
  (tests/test_api_strict_input.py holds the two together).

A FilterSet of an API view derives from :class:`ApiFilterSet` (pages keep their own FilterSets)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.settings import api_settings

from config.parsing import MAX_ID, parse_id

BOOLEAN_INVALID = _("Допустимы значения true или false.")
ID_INVALID = _("Нужен идентификатор: целое число от 1 до %(max)s.")
DATE_INVALID = _("Дата в формате ГГГГ-ММ-ДД.")
EMPTY_VALUE = _("Пустое значение: укажите значение или уберите параметр.")
ORDERING_INVALID = _("Нельзя сортировать по «%(value)s»: допустимы %(allowed)s.")
UNKNOWN_PARAMETER = _("Неизвестный параметр запроса: допустимы %(allowed)s.")
NO_PARAMETERS = _("Неизвестный параметр запроса: этот запрос параметров не принимает.")


class StrictBooleanField(forms.Field):
    TRUE, FALSE = ("true", "1"), ("false", "0")
    default_error_messages = {"invalid": BOOLEAN_INVALID}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictIdField(forms.Field):
    default_error_messages = {"invalid": ID_INVALID}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None or number < 1:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"max": MAX_ID})
        return number


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IsoDateFilter(django_filters.DateFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("error_messages", {"invalid": DATE_INVALID})
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(django_filters.Filter):
    """An object's id; its schema is an integer from 1 (:class:`ApiFilterExtension`)."""

    field_class = StrictIdField
    schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


class ApiFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateField: {"filter_class": IsoDateFilter},
        models.ForeignKey: {"filter_class": IdFilter},
    }


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter's backend (an invalid FilterSet raises, ``raise_exception``), building the
    FilterSet of ``filterset_fields`` from :class:`ApiFilterSet`. An empty value of a filter that
    is not free text (``?active_on=``) is a 400 too: it is not a date, and answering it with
    every row would be the silent "all rows" the strict filters exist to prevent."""

    filterset_base = ApiFilterSet
    raise_exception = True

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            empty = {name: [EMPTY_VALUE] for name, filter_ in filterset.filters.items()
                     if not isinstance(filter_, django_filters.CharFilter)
                     and "" in request.query_params.getlist(name)}
            if empty:
                raise ValidationError(empty)
        return super().filter_queryset(request, queryset, view)


class ApiFilterExtension(DjangoFilterExtension):
    """drf-spectacular's reading of the FilterSet, with the schema of :class:`IdFilter`."""

    target_class = "config.filters.ApiFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        schema = getattr(filter_field, "schema", None)
        if schema:
            description = filter_field.extra.get("help_text") or filter_field.label
            for parameter in parameters:
                parameter["schema"] = dict(schema)
                if description:
                    parameter["description"] = str(description)
        return parameters


class PortalOrderingFilter(OrderingFilter):
    """DRF's ordering, refusing a field it does not offer instead of ignoring it."""

    def _allowed(self, view, queryset=None) -> list[str]:
        fields = getattr(view, "ordering_fields", None)
        if fields is None or fields == "__all__":
            fields = [name for name, _label in self.get_valid_fields(queryset, view, {"request": view.request})]
        return list(fields)

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is not None and not all(term.strip() for term in raw.split(",")):
            raise ValidationError({self.ordering_param: [EMPTY_VALUE]})  # "ordering=" or "name,,"
        return super().get_ordering(request, queryset, view)

    def remove_invalid_fields(self, queryset, fields, view, request):
        allowed = self._allowed(view, queryset)
        for term in fields:
            if term.removeprefix("-") not in allowed:
                choices = ", ".join(f"{name}, -{name}" for name in allowed)
                raise ValidationError({self.ordering_param: [ORDERING_INVALID % {"value": term, "allowed": choices}]})
        return fields

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None)
        if not fields:
            return []  # nothing to sort by: ``ordering`` is not a parameter of the list
        if not isinstance(fields, (list, tuple)):
            return super().get_schema_operation_parameters(view)
        choices = [value for name in fields for value in (name, f"-{name}")]
        return [build_parameter_type(
            name=self.ordering_param, location=OpenApiParameter.QUERY, explode=False, style="form",
            # At least one field: "?ordering=" would read as an empty list and as [""] alike.
            schema={"type": "array", "minItems": 1, "items": {"type": "string", "enum": choices}},
            description="Sort by these fields, comma-separated; `-` for descending.",
        )]


class PortalSearchFilter(SearchFilter):
    """DRF's search, a parameter only of the lists that search (``search_fields``)."""

    def get_schema_operation_parameters(self, view):
        return super().get_schema_operation_parameters(view) if getattr(view, "search_fields", None) else []


def _parameter_names(parameters) -> set[str]:
    """The names of ``parameters``: serializers (their fields) and ``OpenApiParameter``s."""
    names: set[str] = set()
    for parameter in parameters:
        if isinstance(parameter, OpenApiParameter):
            names.add(parameter.name)
        elif isinstance(parameter, dict):
            names.add(parameter["name"])
        else:
            serializer = parameter() if isinstance(parameter, type) else parameter
            names.update(serializer.fields)
    return names


class StrictQueryMixin:
    """Every API view: a query parameter the operation does not read is a 400 naming it (see
    the module's docstring). Checked once the caller is authenticated and allowed, before the
    operation reads anything."""

    # What an operation other than a list reads from the query: serializers of strict fields
    # and ``OpenApiParameter``s, the same list its ``extend_schema(parameters=...)`` documents
    # (an ``@action`` takes it as an argument).
    query_parameters: tuple | list = ()
    _query_names: dict = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, request.method.lower(), None) is None:
            return  # a method the operation does not have: its 405 comes next
        allowed = self.query_parameter_names()
        unknown = [name for name in request.query_params if name not in allowed]
        if unknown:
            listed = sorted(allowed - {api_settings.URL_FORMAT_OVERRIDE})
            message = UNKNOWN_PARAMETER % {"allowed": ", ".join(listed)} if listed else NO_PARAMETERS
            raise ValidationError({name: [message] for name in unknown})

    def query_parameter_names(self) -> frozenset[str]:
        """The query parameters this operation reads (computed once per view and action)."""
        key = (type(self), getattr(self, "action", None))
        names = StrictQueryMixin._query_names.get(key)
        if names is None:
            names = set(_parameter_names(self.query_parameters))
            if api_settings.URL_FORMAT_OVERRIDE:
                names.add(api_settings.URL_FORMAT_OVERRIDE)
            if getattr(self, "action", None) == "list":
                names |= self._list_parameter_names()
            names = StrictQueryMixin._query_names[key] = frozenset(names)
        return names

    def _list_parameter_names(self) -> set[str]:
        names: set[str] = set()
        for backend_class in getattr(self, "filter_backends", ()):
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                filterset_class = backend.get_filterset_class(self, self.get_queryset())
                names.update(filterset_class.base_filters if filterset_class else ())
            else:
                names |= _parameter_names(backend.get_schema_operation_parameters(self))
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            names |= _parameter_names(paginator.get_schema_operation_parameters(self))
        return names
