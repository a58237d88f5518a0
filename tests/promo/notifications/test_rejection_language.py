"""An upload's refusal is told to everyone concerned in their own language, whatever the
language of whoever uploaded it: the event used to keep the first error in the uploader's
language, so a Russian supplier got «Discount 95% is out of the allowed range» by mail and in
the activity log."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from promo.models import OutboxMessage, PromoEvent, PromoUpload
from promo.services.imports.problems import problem_from_record
from promo.services.imports.uploads import upload_submit
from suppliers.models import Product, Supplier
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db


def test_a_refusal_uploaded_in_english_reaches_russian_readers_in_russian(demo_user, client_for):
    # given a marketer working in English who uploads a sheet for S001 with a discount of 95 %
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    content = sheets.workbook_bytes([line(product, **{"Скидка, %": 95})])
    with translation.override("en"):
        upload, result = upload_submit(actor=demo_user("marketer"), file=SimpleUploadedFile("bad.xlsx", content),
                                       original_name="bad.xlsx", supplier=Supplier.objects.get(code="S001"),
                                       today=date(2026, 11, 23))
    assert not result.ok
    english = result.errors[0]["message"]
    upload = PromoUpload.objects.get(pk=upload.pk)
    with translation.override("ru"):
        russian = problem_from_record(upload.errors[0]).message
    assert english != russian

    # when S001's user reads his mail, and people read the activity log in either language
    mail = OutboxMessage.objects.get(event__kind=PromoEvent.Kind.UPLOAD_REJECTED, recipient__username="s001")
    reader = client_for("marketer")
    in_russian = reader.get(reverse("promo:activity_log")).content.decode()
    reader.post(reverse("set_language"), {"language": "en", "next": "/"})
    in_english = reader.get(reverse("promo:activity_log")).content.decode()

    # then each reads the reason (and the mail the errors) in his own language
    assert mail.language == "ru"
    for body in (mail.body_text, mail.body_html):
        assert russian in body and english not in body
    assert russian in in_russian and english not in in_russian
    assert english in in_english and russian not in in_english
