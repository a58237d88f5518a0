"""Query counts of the upload pages, pinned for a small and a large history: the list (a
supplier's and a marketer's) and one upload with the promos it touched."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from promo.models import PromoUpload
from suppliers.models import Supplier
from tests.factories import PromoFactory, PromoUploadFactory

pytestmark = pytest.mark.django_db


def uploads(count: int, *, supplier_codes=("S001",)) -> list[PromoUpload]:
    """Finished uploads by the suppliers' own users and the marketer, with errors and promos."""
    users = get_user_model().objects
    made = []
    for index in range(count):
        supplier = Supplier.objects.get(code=supplier_codes[index % len(supplier_codes)])
        uploader = users.get(username="marketer" if index % 2 else supplier.code.lower())
        rejected = index % 3 == 0
        upload = PromoUploadFactory(
            supplier=supplier, uploaded_by=uploader,
            status=PromoUpload.Status.REJECTED if rejected else PromoUpload.Status.IMPORTED,
            errors=[{"row": 2, "column": "Скидка, %", "code": "discount_out_of_range", "params": {"value": 95}}]
            if rejected else [],
            summary={"rows": 3, "lines": 3, "promos": 0 if rejected else 1})
        if not rejected:
            upload.promos.add(PromoFactory(supplier=supplier, start=date(2027, 4, 1) + timedelta(days=index)))
        made.append(upload)
    return made


@pytest.mark.parametrize("username", ["s001", "marketer"])
def test_upload_list_is_flat(client_for, django_assert_max_num_queries, username):
    # given 2 uploads, then 60 more (of S001 and S002, by suppliers and the marketer)
    uploads(2)
    client = client_for(username)
    client.get(reverse("home"))  # warms the per-process caches (content types)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("promo:upload_list"))
    uploads(60, supplier_codes=("S001", "S002"))

    # when the list is opened again
    with django_assert_max_num_queries(8) as many:
        response = client.get(reverse("promo:upload_list"))

    # then a full page for the same number of queries
    assert len(response.context["uploads"]) == (32 if username == "s001" else 50)
    assert len(many) == len(few)


def test_upload_page_is_flat_in_the_promos_it_touched(client_for, django_assert_max_num_queries):
    # given an upload that touched one promo and one that touched 40
    small, large = uploads(2)[1], uploads(2)[1]
    supplier = Supplier.objects.get(code="S001")
    large.promos.add(*[PromoFactory(supplier=supplier, start=date(2027, 5, 1) + timedelta(days=index))
                       for index in range(39)])
    client = client_for("s001")
    client.get(reverse("home"))

    # when the supplier opens both pages
    # (the last one: what the supplier may do with the promos, for «Отправить все на согласование»)
    with django_assert_max_num_queries(9) as one:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(9) as forty:
        response = client.get(large.get_absolute_url())

    # then 40 promos listed for the same number of queries
    assert len(response.context["promos"]) == 40
    assert len(forty) == len(one)


def preview_entry(promo, *, removed: int, changed: int, targeting: bool) -> dict:
    """One promo of a stored preview: ``removed`` lines gone, ``changed`` discounts moved."""
    def row(index: int) -> dict:
        return {"product_id": index, "article": f"A{index:06d}", "name": f"Товар {index}"}

    return {
        "promo": promo.code, "promo_id": promo.pk, "name": promo.name, "version": 1, "revision": 2, "named": True,
        "reasons": ["removes_lines"], "added": 0, "removed": removed, "changed": changed,
        "diff": {"added": [], "removed": [row(index) for index in range(removed)],
                 "changed": [{**row(1000 + index), "fields": {"discount_percent": ["15", "20"]}}
                             for index in range(changed)],
                 "terms": {"targeting": [{"chain": True}, {"regions": [1, 2]}]} if targeting else {}},
    }


def test_upload_preview_page_is_flat_in_the_promos_and_lines_it_shows(client_for, django_assert_max_num_queries):
    # given a preview of one promo losing a line, and one of 10 promos losing 150 lines each
    supplier = Supplier.objects.get(code="S001")

    def waiting(promos: int, lines: int) -> PromoUpload:
        upload = uploads(2)[0]
        made = [PromoFactory(supplier=supplier, start=date(2027, 6, 1) + timedelta(days=index)) for index in range(promos)]
        upload.status = PromoUpload.Status.AWAITING_CONFIRMATION
        upload.preview = {"fingerprint": "0" * 64, "created": [],
                          "promos": [preview_entry(p, removed=lines, changed=lines, targeting=True) for p in made]}
        upload.save()
        return upload

    small, large = waiting(1, 1), waiting(10, 150)
    client = client_for("s001")
    client.get(reverse("home"))

    # when the supplier opens both previews
    with django_assert_max_num_queries(12) as one:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(12) as many:
        response = client.get(large.get_absolute_url())

    # then 3,000 rows of changes for the same number of queries
    assert response.content.decode().count('data-kind="removed"') == 1500
    assert len(many) == len(one)
