"""Promos in Django admin: once submitted, a promo's name belongs to its revisions (what the
manager decided, what the tills get), so admin shows it and does not change it."""

import pytest

from promo.models import Promo
from promo.services.revisions import revision_record
from tests.factories import PromoFactory, PromoLineFactory

pytestmark = pytest.mark.django_db


def change(client, promo, name: str):
    return client.post(f"/admin/promo/promo/{promo.pk}/change/", {
        "name": name, "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000"})


def test_an_approved_promos_name_is_not_renamed_in_admin(client_for):
    # given an approved promo: its revision (the name the manager approved, the name the tills
    # get) is in force
    promo = PromoLineFactory(promo=PromoFactory(name="Весна")).promo
    promo.approved_revision = revision_record(promo=promo)
    promo.status = Promo.Status.APPROVED
    promo.save()
    client = client_for("admin")

    # when the administrator opens it and posts a new name anyway
    page = client.get(f"/admin/promo/promo/{promo.pk}/change/").content.decode()
    change(client, promo, "Весна 2")

    # then the name is shown, not offered, and stays the revision's (before, the pages said
    # «Весна 2» while the tills kept «Весна», with no event saying who renamed it)
    assert 'name="name"' not in page and "Весна" in page
    promo.refresh_from_db()
    assert promo.name == "Весна" == promo.approved_revision.name


def test_a_draft_never_submitted_is_still_renamed(client_for):
    # given a draft with no revision yet
    promo = PromoLineFactory(promo=PromoFactory(name="Черновик")).promo

    # when the administrator fixes its name
    response = change(client_for("admin"), promo, "Черновик весны")

    # then it is saved
    assert response.status_code == 302
    promo.refresh_from_db()
    assert promo.name == "Черновик весны"


def settings_form(client, prefs, **data):
    return client.post(f"/admin/promo/notificationsettings/{prefs.pk}/change/",
                       {"user": prefs.user_id, "language": "ru", "language_chosen": "on", **data})


def test_switched_off_kinds_are_picked_from_the_known_events_in_admin(client_for, demo_user):
    # given s001's notification settings
    from promo.models import NotificationSettings, PromoEvent

    prefs, _created = NotificationSettings.objects.get_or_create(user=demo_user("s001"))
    client = client_for("admin")

    # when the administrator sends what the raw JSON box took before (a number, a misspelt code)
    refused = [settings_form(client, prefs, disabled_kinds=value) for value in ("5", "promo_aproved")]
    # and then a real kind
    saved = settings_form(client, prefs, disabled_kinds=[PromoEvent.Kind.PROMO_APPROVED])

    # then the first two are refused on the form and change nothing (a number made every action
    # that mailed s001 a 500), and the kind is stored as «Уведомления» stores it: a list of codes
    assert [response.status_code for response in refused] == [200, 200]
    assert all("errorlist" in response.content.decode() for response in refused)
    assert saved.status_code == 302
    prefs.refresh_from_db()
    assert prefs.disabled_kinds == [PromoEvent.Kind.PROMO_APPROVED]
    assert not prefs.wants(PromoEvent.Kind.PROMO_APPROVED) and prefs.wants(PromoEvent.Kind.PROMO_REJECTED)


def test_an_upload_is_not_deleted_in_admin(client_for, settings, tmp_path):
    from promo.models import PromoUpload
    from tests.factories import PromoUploadFactory

    # given a supplier's upload (the file behind its promos' revisions)
    settings.MEDIA_ROOT = tmp_path
    upload = PromoUploadFactory()
    client = client_for("admin")

    # when the administrator opens its page, the list, and posts its delete page anyway
    page = client.get(f"/admin/promo/promoupload/{upload.pk}/change/").content.decode()
    listing = client.get("/admin/promo/promoupload/").content.decode()
    delete = client.post(f"/admin/promo/promoupload/{upload.pk}/delete/", {"post": "yes"})

    # then nothing offers to delete it, the delete page is refused, and the upload and its file stay
    assert f"/admin/promo/promoupload/{upload.pk}/delete/" not in page
    assert 'value="delete_selected"' not in listing
    assert delete.status_code == 403
    assert PromoUpload.objects.filter(pk=upload.pk).exists() and upload.file.storage.exists(upload.file.name)
