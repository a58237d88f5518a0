"""The API reads exactly what its schema says (config/filters.py, config/pagination.py,
config/api_fields.py): a query parameter or body field the schema does not allow is a 400 naming
it — never "all rows", never a default taken silently — and what the schema allows is read."""

import django_filters
import pytest
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers

from config.api_fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    StrictRegexField,
)
from config.filters import ApiFilterBackend, IdFilter, IsoDateFilter, StrictBooleanFilter
from promo.models import Promo, PromoComment
from promo.services.bulk import BULK_MAX
from suppliers.models import Supplier
from tests.factories import PromoFactory

pytestmark = pytest.mark.django_db

PROMOS = "/api/v1/promos/"


@pytest.fixture
def marketer(api_client, demo_user):
    api_client.force_authenticate(demo_user("marketer"))
    return api_client


@pytest.fixture
def promos():
    s001 = Supplier.objects.get(code="S001")
    return [PromoFactory(supplier=s001, name=name) for name in ("Бета", "Альфа", "Гамма")]


@pytest.mark.parametrize("params", [
    {"status": "bogus"}, {"mechanic": "bogus"}, {"active_on": "2027-02-31"}, {"active_on": "01.02.2027"},
    {"active_on": ""}, {"region": ""}, {"region": "0"}, {"region": "1e3"}, {"branch": "١٢"},
    {"page": "0"}, {"page": "-1"}, {"page": ""}, {"page_size": "abc"}, {"page_size": ""},
    {"ordering": "margin"}, {"ordering": "name,-secret"}, {"ordering": ""}, {"ordering": "name,,"},
])
def test_a_query_parameter_the_schema_does_not_allow_is_a_400_naming_it(marketer, promos, params):
    # when the list is asked with one bad parameter
    response = marketer.get(PROMOS, params)
    # then a 400 naming exactly that parameter, in Russian
    assert response.status_code == 400, (params, response.content)
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == list(params), body


def test_what_the_schema_allows_is_read(marketer, promos):
    # an id that matches nothing: no rows; ordering by several fields; a page size; free text empty
    assert marketer.get(PROMOS, {"region": 999999}).json()["count"] == 0
    names = [row["name"] for row in marketer.get(PROMOS, {"ordering": "name, -start", "search": ""}).json()["results"]]
    assert names == sorted(names)
    assert len(marketer.get(PROMOS, {"page_size": 2}).json()["results"]) == 2
    assert marketer.get(PROMOS, {"page": "last", "page_size": 2}).json()["previous"] is not None


def test_a_page_past_the_last_is_a_404_in_json(marketer, promos):
    for page in ("2", "99999999999999999999999999"):
        response = marketer.get(PROMOS, {"page": page})
        assert response.status_code == 404 and response.json()["code"] == "not_found", page
        assert "Страницы" in response.json()["message"]


@pytest.mark.parametrize(("body", "field"), [
    ({"version": "1.0"}, "version"), ({"version": 1.0}, "version"), ({"version": True}, "version"),
    ({"version": "١"}, "version"), ({"version": 2**63}, "version"), ({"version": "1"}, "version"),
    ({"version": 1, "reason": 0}, "reason"), ({"version": 1, "reason": ["нет"]}, "reason"),
])
def test_a_body_field_of_the_wrong_type_is_a_400_naming_it(marketer, promos, body, field):
    promo = promos[0]
    response = marketer.post(f"{PROMOS}{promo.pk}/withdraw/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and list(response.json()["fields"]) == [field]
    assert Promo.objects.get(pk=promo.pk).status == promo.status


@pytest.mark.parametrize("internal", [1, 0, "yes", "on", "", None, "true"])
def test_a_boolean_is_true_or_false(marketer, promos, internal):
    response = marketer.post(f"{PROMOS}{promos[0].pk}/comments/", {"text": "Вопрос", "internal": internal},
                             format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["internal"]
    assert not PromoComment.objects.exists()


def test_form_data_reads_the_same_values_and_refuses_an_empty_one(marketer, promos):
    url = f"{PROMOS}{promos[0].pk}/comments/"
    # "true" in a form is the boolean true, as in JSON
    created = marketer.post(url, {"text": "Вопрос", "internal": "true"})
    assert created.status_code == 201 and created.json()["internal"] is True
    # an empty value is a value, and not a boolean: it does not silently mean false
    refused = marketer.post(url, {"text": "Другой вопрос", "internal": ""})
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["internal"]


def test_an_empty_export_date_in_a_form_is_refused_not_today(marketer, export_root):
    from exports.models import ExportRun

    response = marketer.post("/api/v1/exports/", {"date": "", "system": "sap"})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["date"]
    assert not ExportRun.objects.exists()


@pytest.fixture
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = str(tmp_path / "exports")
    return settings.EXPORT_ROOT


@pytest.mark.parametrize("params", [
    {"status": "bogus"}, {"status": ""}, {"kind": "refund"}, {"promo": "abc"}, {"promo": "1.5"}, {"promo": "0"},
    {"promo": ""}, {"ordering": "reason"},
])
def test_the_requests_list_refuses_a_bad_query_parameter_naming_it(marketer, params):
    # when the suppliers' requests are listed with one bad parameter, then a 400 naming it, not every request
    response = marketer.get("/api/v1/requests/", params)
    assert response.status_code == 400, (params, response.content)
    assert response.json()["code"] == "invalid" and list(response.json()["fields"]) == list(params)


def test_a_bulk_batch_naming_a_promo_twice_is_refused_by_its_own_rule(marketer, promos):
    # given a batch that names one draft twice (well-formed: the schema cannot say "unique by id")
    draft = promos[0]
    item = {"id": draft.pk, "version": draft.version}
    # when it is sent, then a 400 with the bulk rule's code naming `promos`, and nothing submitted
    response = marketer.post("/api/v1/promos/bulk/", {"action": "submit", "promos": [item, item]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "promo_duplicate" and list(body["fields"]) == ["promos"]
    assert body["message"] == f"Промо {draft.pk} указано дважды."
    assert Promo.objects.get(pk=draft.pk).status == draft.status


def test_a_bulk_batch_is_json_only(marketer, promos, client_for):
    # a form cannot spell a list of {id, version}: the schema offers JSON alone, and a form is a 415
    schema = client_for("marketer").get("/api/schema/", {"format": "json"}).json()
    assert list(schema["paths"]["/api/v1/promos/bulk/"]["post"]["requestBody"]["content"]) == ["application/json"]
    # and says how many promos a batch holds (an empty one is refused: the schema says so too)
    promos_schema = schema["components"]["schemas"]["BulkBodyRequest"]["properties"]["promos"]
    assert (promos_schema["minItems"], promos_schema["maxItems"]) == (1, BULK_MAX)
    response = marketer.post("/api/v1/promos/bulk/", {"action": "submit", "promos": f"{promos[0].pk}"})
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    assert Promo.objects.get(pk=promos[0].pk).status == promos[0].status


@pytest.mark.parametrize("item", [{"id": "1", "version": 1}, {"id": 1, "version": "1"}, {"id": 1.0, "version": 1},
                                  {"id": 1, "version": True}, {"id": 1}])
def test_a_bulk_item_of_the_wrong_type_is_a_400_naming_it(marketer, promos, item):
    # a 200 listing refusals would hide that the request itself did not fit the schema
    response = marketer.post("/api/v1/promos/bulk/", {"action": "submit", "promos": [item]}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert [name.split(".")[0] for name in response.json()["fields"]] == ["promos"]


# --- every operation, present and future: its body fields and query filters are the strict ones --

# Query filters that read exactly what the schema says (config/filters.py); free text is free text
# and a choice refuses what it does not list. DRF's and django-filter's own number, date, boolean
# and model-choice filters accept things the schema does not describe (or answer "all rows").
STRICT_FILTERS = (IdFilter, IsoDateFilter, StrictBooleanFilter, django_filters.CharFilter,
                  django_filters.ChoiceFilter, django_filters.MultipleChoiceFilter)
# Body fields likewise (config/api_fields.py); a file is a file.
STRICT_FIELDS = (StrictCharField, StrictBooleanField, StrictIntegerField, StrictDateField, StrictChoiceField,
                 StrictRegexField, serializers.FileField)


def _api_operations():
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        view.schema.path, view.schema.path_regex, view.schema.method = path, path_regex, method
        yield f"{method} {path}", method, view


def _loose_body_fields(serializer, prefix=""):
    """The writable fields of a request body that are not strict, dotted (``promos.0.id``)."""
    if isinstance(serializer, serializers.ListSerializer):
        yield from _loose_body_fields(serializer.child, f"{prefix}0.")
        return
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, (serializers.Serializer, serializers.ListSerializer)):
            yield from _loose_body_fields(field, f"{prefix}{name}.")
        elif isinstance(field, serializers.ListField):
            if not isinstance(field.child, STRICT_FIELDS):
                yield f"{prefix}{name}.0 ({type(field.child).__name__})"
        elif not isinstance(field, STRICT_FIELDS):
            yield f"{prefix}{name} ({type(field).__name__})"


def _loose_filters(view):
    backend = next((backend() for backend in getattr(view, "filter_backends", ())
                    if issubclass(backend, DjangoFilterBackend)), None)
    if backend is None:
        return
    assert isinstance(backend, ApiFilterBackend), type(backend)
    model = view.get_serializer_class().Meta.model
    filterset_class = backend.get_filterset_class(view, model._default_manager.none())
    for name, filter_ in (filterset_class.base_filters.items() if filterset_class else ()):
        if not isinstance(filter_, STRICT_FILTERS):
            yield f"?{name} ({type(filter_).__name__})"


def test_every_operation_reads_its_body_and_query_with_the_strict_fields_and_filters():
    # given every operation the API routes (a new endpoint is in this list the day it is routed)
    loose = {}
    for name, method, view in _api_operations():
        # when its request body and its query filters are looked at
        found = list(_loose_filters(view)) if method == "GET" else []
        if method in ("POST", "PUT", "PATCH"):
            body = view.schema.get_request_serializer()
            body = next(iter(body.values())) if isinstance(body, dict) else body
            body = body() if isinstance(body, type) else body
            if isinstance(body, serializers.BaseSerializer):
                found += list(_loose_body_fields(body))
        if found:
            loose[name] = found
    # then each is read by a field or filter that accepts exactly what the schema says
    assert loose == {}, "use config/api_fields.py and config/filters.py (docs/development/api.md)"
