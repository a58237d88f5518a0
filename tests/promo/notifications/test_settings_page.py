"""The notification settings page: every kind on by default, a checkbox per kind, the
language; what is saved is what the outbox respects."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from promo.models import NotificationSettings, OutboxMessage, PromoEvent
from promo.services.events import event_record

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db
URL = reverse("promo:notification_settings")


def checked(form_field) -> set[str]:
    return {str(value) for value in form_field.value()}


def test_everything_is_on_by_default_and_suppliers_are_not_offered_export_results(client_for):
    # when a supplier user opens the page
    response = client_for("s001").get(URL)

    # then every kind offered is ticked, the language is Russian, export results are not offered
    assert response.status_code == 200
    form = response.context["form"]
    offered = {value for value, _label in form.fields["enabled_kinds"].choices}
    assert checked(form["enabled_kinds"]) == offered
    assert Kind.PROMO_APPROVED in offered and Kind.EXPORT_FAILED not in offered
    assert form["language"].value() == "ru"
    assert "Согласовано" in response.content.decode()


def test_marketers_are_offered_export_results(client_for):
    form = client_for("marketer").get(URL).context["form"]

    assert Kind.EXPORT_FAILED in {value for value, _label in form.fields["enabled_kinds"].choices}


def test_switching_a_kind_off_and_the_language_is_saved_and_respected(client_for, demo_user, world):
    # given the page as the colleague sees it
    client = client_for("colleague")
    offered = {value for value, _label in client.get(URL).context["form"].fields["enabled_kinds"].choices}

    # when he unticks «submitted» and chooses English
    response = client.post(URL, {"language": "en", "enabled_kinds": sorted(offered - {Kind.PROMO_SUBMITTED})})

    # then it is saved and the page says so
    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(user=world.colleague)
    assert (prefs.language, prefs.disabled_kinds) == ("en", [Kind.PROMO_SUBMITTED])
    assert "Настройки уведомлений сохранены." in client.get(URL).content.decode()
    # and the next submission does not mail him, an approval does, in English
    submitted = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)
    approved = event_record(kind=Kind.PROMO_APPROVED, actor=world.managers[0], promo=world.promo)
    assert not OutboxMessage.objects.filter(event=submitted, recipient=world.colleague).exists()
    assert OutboxMessage.objects.get(event=approved, recipient=world.colleague).language == "en"


def test_a_bad_language_is_a_form_error_and_saves_nothing(client_for, demo_user):
    response = client_for("s001").post(URL, {"language": "xx", "enabled_kinds": [Kind.PROMO_APPROVED]})

    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    assert not NotificationSettings.objects.filter(user=demo_user("s001")).exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_menu_links_the_page(client_for):
    assert f'href="{URL}"' in client_for("manager").get(reverse("home")).content.decode()


def offered_to(client) -> set[str]:
    return {value for value, _label in client.get(URL).context["form"].fields["enabled_kinds"].choices}


def test_each_role_is_offered_only_the_kinds_it_can_be_sent(client_for):
    # when a category manager and a marketer open the page
    manager, marketer = offered_to(client_for("manager2")), offered_to(client_for("marketer"))

    # then the manager is offered his reminders (the decision due, and overdue), his promos' news,
    # not what the routing table sends only to others (uploads, exports) nor what nobody is sent
    assert {Kind.DECISION_DUE, Kind.DECISION_OVERDUE, Kind.PROMO_SUBMITTED, Kind.REVISION_CREATED} <= manager
    assert not {Kind.UPLOAD_IMPORTED, Kind.EXPORT_FAILED, Kind.PROMO_CREATED} & manager
    # and the marketer his escalation and the export results, not the deciding manager's reminder
    assert {Kind.DECISION_OVERDUE, Kind.EXPORT_FAILED, Kind.UPLOAD_IMPORTED} <= marketer
    assert not {Kind.DECISION_DUE, Kind.REVISION_CREATED, Kind.PROMO_CREATED} & marketer


def test_the_head_of_category_is_offered_the_escalation(client, django_user_model, settings):
    # given a person of no other role in the head of category group (a manager is offered the
    # overdue mail anyway: it is about his decision)
    settings.PROMO_HEAD_OF_CATEGORY_GROUP = "head_of_category"
    head = django_user_model.objects.create_user("head", email="head@example.com")
    head.groups.add(Group.objects.create(name="head_of_category"))
    client.force_login(head)

    # when he opens the page, then the overdue escalation is offered to him, and only it
    assert offered_to(client) == {Kind.DECISION_OVERDUE}


def test_a_person_no_event_is_sent_to_is_told_so(client, django_user_model):
    # given a signed-in person with no role
    client.force_login(django_user_model.objects.create_user("nobody", email="nobody@example.com"))

    # when he opens the page, then no checkbox, and a word why
    response = client.get(URL)
    assert offered_to(client) == set()
    assert "ни одно событие не адресовано вашей роли" in response.content.decode()


def switch(client, language: str, next_url: str = URL):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_mail_follows_the_pages_language_until_the_person_chooses_one(client_for, demo_user, world):
    # given a colleague who never opened «Уведомления»
    client = client_for("colleague")
    assert not NotificationSettings.objects.filter(user=world.colleague).exists()

    # when he switches the pages to English
    response = switch(client, "en")

    # then the page he lands on is English and tells him his e-mails follow, once
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "E-mails will come in this language too." in page
    assert "E-mails will come in this language too." not in client.get(URL).content.decode()
    # and the next event reaches him in English
    approved = event_record(kind=Kind.PROMO_APPROVED, actor=world.managers[0], promo=world.promo)
    assert OutboxMessage.objects.get(event=approved, recipient=world.colleague).language == "en"

    # when he switches back to Russian, his e-mails follow again
    switch(client, "ru")
    assert NotificationSettings.objects.get(user=world.colleague).language == "ru"

    # but once he has chosen English on «Уведомления», switching the pages leaves his e-mails alone
    offered = [value for value, _label in client.get(URL).context["form"].fields["enabled_kinds"].choices]
    client.post(URL, {"language": "en", "enabled_kinds": offered})
    switch(client, "ru")
    assert NotificationSettings.objects.get(user=world.colleague).language == "en"
    rejected = event_record(kind=Kind.PROMO_REJECTED, actor=world.managers[0], promo=world.promo)
    assert OutboxMessage.objects.get(event=rejected, recipient=world.colleague).language == "en"


def test_the_switch_before_signing_in_only_changes_the_pages(client, db):
    # when someone not signed in switches the login page to English
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    # then he is back on the login page in English, and no settings were made for anyone
    assert response.status_code == 302 and response.url == reverse("login")
    assert "Sign in" in client.get(reverse("login")).content.decode()
    assert not NotificationSettings.objects.exists()


def test_an_unknown_language_changes_nothing(client_for, demo_user, world):
    client = client_for("colleague")
    switch(client, "xx")
    assert not NotificationSettings.objects.filter(user=world.colleague).exists()
