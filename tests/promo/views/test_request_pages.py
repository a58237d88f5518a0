"""Suppliers' requests on the pages, for both kinds: the supplier asks on the promo page; the
open request shows on the promo page to everyone concerned, in the manager's queue, on the
marketer's and the manager's home and in «Запросы»; a marketer accepts («Продлить как
просят», «Отменить»), a marketer or a manager declines («Отклонить запрос») with a reason; a
second request while one is open is refused with a clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import ApiToken
from promo.models import OutboxMessage, Promo, PromoEvent, SupplierRequest
from promo.services.point_corrections import promo_extend
from tests.promo.services import world as cast


@pytest.fixture(autouse=True)
def frozen_today():
    with cast.frozen_today():
        yield


@pytest.fixture
def world(db):
    return cast.build_world()


def page_as(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_extension_request_through_the_pages(world, client):
    # given an approved promo, and its supplier on its page
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=7)
    client.force_login(world.supplier_user)
    url = reverse("promo:promo_request_extension", args=[promo.pk])

    # when the supplier asks for an extension
    response = client.post(url, {"version": promo.version, "new_end": new_end.isoformat(), "reason": "Остатки"})

    # then it is recorded and the page shows it waiting, no longer offering to ask again
    assert response.status_code == 302
    asked = SupplierRequest.objects.get(promo=promo)
    own = page_as(client, world.supplier_user, promo.get_absolute_url())
    assert f'id="request-{asked.pk}"' in own and "Ждёт ответа" in own and "Остатки" in own
    assert url not in own
    # and the very same form sent again at once (a double click) is answered like the first
    retry = client.post(url, {"version": promo.version, "new_end": new_end.isoformat(), "reason": "Остатки"})
    assert retry.status_code == 302 and SupplierRequest.objects.filter(promo=promo).count() == 1
    # while another request (a stale page, other terms) is refused with a clear message, nothing recorded twice
    other_end = (new_end + timedelta(days=1)).isoformat()
    again = client.post(url, {"version": promo.version, "new_end": other_end, "reason": "Остатки"})
    assert again.status_code == 409 and "уже отправлен" in again.content.decode()
    assert SupplierRequest.objects.filter(promo=promo).count() == 1
    # and the marketers' mail tells what is asked, not that something changed (nothing has yet)
    mail = OutboxMessage.objects.filter(event__kind=PromoEvent.Kind.EXTENSION_REQUESTED,
                                        recipient=world.marketer).get()
    for body in (mail.body_text, mail.body_html):
        assert "Что просят изменить" in body and "Что изменилось" not in body

    # and everyone concerned sees it: the promo page, the queue, home and «Запросы»
    accept = reverse("promo:request_accept", args=[asked.pk])
    decline = reverse("promo:request_decline", args=[asked.pk])
    marketer_page = page_as(client, world.marketer, promo.get_absolute_url())
    assert accept in marketer_page and decline in marketer_page and "Продлить как просят" in marketer_page
    manager_page = page_as(client, world.manager_a, promo.get_absolute_url())
    assert decline in manager_page and accept not in manager_page  # only a marketer extends
    assert promo.code in page_as(client, world.manager_a, reverse("promo:approval_queue"))
    for user in (world.manager_a, world.marketer):
        assert f'data-request="{asked.pk}"' in page_as(client, user, reverse("home"))
    assert f'data-request="{asked.pk}"' in page_as(client, world.marketer, reverse("promo:request_list"))
    # (not for a stranger)
    assert promo.code not in page_as(client, world.other_supplier_user, reverse("promo:request_list"))
    assert f'data-request="{asked.pk}"' not in page_as(client, world.manager_c, reverse("home"))

    # when the marketer presses «Продлить как просят»
    client.force_login(world.marketer)
    done = client.post(accept, {"reason": "Продлеваем"})

    # then the promo is extended as asked, the request answered, the supplier mailed and shown it
    assert done.status_code == 302
    promo.refresh_from_db()
    assert promo.end == new_end and promo.status == Promo.Status.SUBMITTED
    assert SupplierRequest.objects.get(pk=asked.pk).status == SupplierRequest.Status.ACCEPTED
    assert OutboxMessage.objects.filter(event__kind=PromoEvent.Kind.REQUEST_ACCEPTED,
                                        recipient=world.supplier_user).exists()
    answered = page_as(client, world.supplier_user, promo.get_absolute_url())
    assert "Принят" in answered and "Продлеваем" in answered
    assert f'data-request="{asked.pk}"' not in page_as(client, world.marketer, reverse("home"))


def test_cancellation_request_through_the_pages(world, client):
    # given an approved promo whose supplier asks for a cancellation
    promo = world.promo(Promo.Status.APPROVED)
    client.force_login(world.supplier_user)
    client.post(reverse("promo:promo_request_cancellation", args=[promo.pk]),
                {"version": promo.version, "reason": "Нет товара"})
    asked = SupplierRequest.objects.get(promo=promo, kind=SupplierRequest.Kind.CANCELLATION)

    # when a manager of its categories presses «Отклонить запрос» without a reason, then with one
    client.force_login(world.manager_a)
    decline = reverse("promo:request_decline", args=[asked.pk])
    empty = client.post(decline, {"reason": ""})
    declined = client.post(decline, {"reason": "Ценники уже в магазинах"})

    # then the first shows the promo page again with the message, the second declines it
    assert empty.status_code == 400 and "Укажите, почему запрос отклонён." in empty.content.decode()
    assert declined.status_code == 302
    assert SupplierRequest.objects.get(pk=asked.pk).status == SupplierRequest.Status.DECLINED
    assert "Ценники уже в магазинах" in page_as(client, world.supplier_user, promo.get_absolute_url())

    # when the supplier asks again and a marketer presses «Отменить», the promo is cancelled
    client.force_login(world.supplier_user)
    client.post(reverse("promo:promo_request_cancellation", args=[promo.pk]),
                {"version": promo.version, "reason": "Всё-таки нет товара"})
    again = SupplierRequest.objects.get(promo=promo, status=SupplierRequest.Status.OPEN)
    assert "Отменить" in page_as(client, world.marketer, promo.get_absolute_url())
    client.force_login(world.marketer)
    assert client.post(reverse("promo:request_accept", args=[again.pk]), {}).status_code == 302
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.CANCELLED


@pytest.mark.parametrize(("role", "status"), [("other_supplier", 404), ("other_manager", 404), ("manager", 403),
                                              ("supplier", 403)])
def test_who_may_not_accept_is_told_so(world, client, role, status):
    promo = world.promo(Promo.Status.APPROVED)
    client.force_login(world.supplier_user)
    client.post(reverse("promo:promo_request_cancellation", args=[promo.pk]),
                {"version": promo.version, "reason": "Нет товара"})
    asked = SupplierRequest.objects.get(promo=promo)
    client.force_login(world.actor(role))
    response = client.post(reverse("promo:request_accept", args=[asked.pk]), {"reason": "Да"})
    assert response.status_code == status
    assert SupplierRequest.objects.get(pk=asked.pk).status == SupplierRequest.Status.OPEN


def test_a_supplier_sees_his_own_requests_as_his_and_is_told_where_to_ask(world, client):
    # given an approved promo of the supplier's with no request yet
    promo = world.promo(Promo.Status.APPROVED)

    # when the supplier opens «Запросы»
    page = page_as(client, world.supplier_user, reverse("promo:request_list"))

    # then the page is his («Мои запросы», no supplier column) and says where a request is made
    assert "<h1>Мои запросы" in page and "Запросы поставщиков" not in page
    assert "<th>Поставщик</th>" not in page
    assert "можно на его странице" in page
    # and once he asked, the request is listed without the supplier column
    SupplierRequest.objects.create(promo=promo, kind=SupplierRequest.Kind.CANCELLATION, reason="Нет товара",
                                   requested_by=world.supplier_user)
    page = page_as(client, world.supplier_user, reverse("promo:request_list"))
    assert promo.code in page and "<th>Поставщик</th>" not in page
    # while the marketer still sees the supplier of each request
    assert "<th>Поставщик</th>" in page_as(client, world.marketer, reverse("promo:request_list"))


def test_an_extension_request_the_promo_has_outrun_is_not_offered_for_granting(world, client, api_client):
    # given an extension request to a week later, then a marketer extending the promo by two weeks himself
    promo = world.promo(Promo.Status.APPROVED)
    asked_end = promo.end + timedelta(days=7)
    client.force_login(world.supplier_user)
    client.post(reverse("promo:promo_request_extension", args=[promo.pk]),
                {"version": promo.version, "new_end": asked_end.isoformat(), "reason": "Остатки"})
    asked = SupplierRequest.objects.get(promo=promo)
    promo_extend(promo=promo, actor=world.marketer, new_end=promo.end + timedelta(days=14), reason="Сами")

    # when the marketer opens the promo page
    page = page_as(client, world.marketer, promo.get_absolute_url())

    # then «Продлить как просят» (which could only be refused) is not offered; declining still is
    assert reverse("promo:request_accept", args=[asked.pk]) not in page and "Продлить как просят" not in page
    assert reverse("promo:request_decline", args=[asked.pk]) in page
    # and granting it anyway is refused as a conflict saying why, nothing changed
    promo.refresh_from_db()
    end, version = promo.end, promo.version
    forced = client.post(reverse("promo:request_accept", args=[asked.pk]), {"reason": ""})
    assert forced.status_code == 409 and "продлевать по этому запросу нечего" in forced.content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=world.marketer)[1]}")
    refused = api_client.post(f"/api/v1/requests/{asked.pk}/accept/", {"reason": ""}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "request_overtaken"
    promo.refresh_from_db()
    assert (promo.end, promo.version) == (end, version)
    assert SupplierRequest.objects.get(pk=asked.pk).status == SupplierRequest.Status.OPEN
    # and it can be declined
    client.force_login(world.marketer)
    assert client.post(reverse("promo:request_decline", args=[asked.pk]), {"reason": "Уже продлено"}).status_code == 302
    assert SupplierRequest.objects.get(pk=asked.pk).status == SupplierRequest.Status.DECLINED


@pytest.mark.parametrize(("who", "action"), [("supplier_user", "promo_request_extension"), ("marketer", "promo_extend")])
def test_the_extension_forms_start_from_an_end_that_is_accepted_as_it_is(world, client, who, action):
    # given an approved 14-day promo on the page of its supplier or of a marketer
    promo = world.promo(Promo.Status.APPROVED)
    user = getattr(world, who)
    page = page_as(client, user, promo.get_absolute_url())
    # then the form's new end is a week after the current one (not the current end, always refused)
    suggested = promo.end + timedelta(days=7)
    assert f'name="new_end" value="{suggested.isoformat()}"' in page
    # and sent as it is (with a reason) it goes through
    response = client.post(reverse(f"promo:{action}", args=[promo.pk]),
                           {"version": promo.version, "new_end": suggested.isoformat(), "reason": "Остатки"})
    assert response.status_code == 302
    if who == "marketer":
        assert Promo.objects.get(pk=promo.pk).end == suggested
    else:
        assert SupplierRequest.objects.get(promo=promo).new_end == suggested


def test_a_promo_running_the_longest_period_offers_no_extension(world, client, settings):
    # given an approved promo as long as the rules allow
    promo = world.promo(Promo.Status.APPROVED, days=settings.PROMO_MAX_DAYS)
    # then neither its supplier nor a marketer is offered an extension that could only be refused
    for user, action in ((world.supplier_user, "promo_request_extension"), (world.marketer, "promo_extend")):
        page = page_as(client, user, promo.get_absolute_url())
        assert reverse(f"promo:{action}", args=[promo.pk]) not in page
        # and a forged one is refused with the reason, nothing changed
        response = client.post(reverse(f"promo:{action}", args=[promo.pk]), {
            "version": promo.version, "new_end": (promo.end + timedelta(days=1)).isoformat(), "reason": "Остатки"})
        assert response.status_code == 409
        assert f"самый долгий срок, который допускают правила ({settings.PROMO_MAX_DAYS} дней)" in response.content.decode()
    assert Promo.objects.get(pk=promo.pk).end == promo.end
    assert not SupplierRequest.objects.filter(promo=promo).exists()


def test_the_answer_a_cancellation_writes_reaches_each_reader_in_their_language(world, client, settings):
    # (the pages switch the thread's language: it is put back after the test)
    with translation.override(settings.LANGUAGE_CODE):
        # given a supplier's open extension request, and a marketer working in English
        promo = world.promo(Promo.Status.APPROVED)
        asked = SupplierRequest.objects.create(promo=promo, kind=SupplierRequest.Kind.EXTENSION,
                                               new_end=promo.end + timedelta(days=7), reason="Остатки",
                                               requested_by=world.supplier_user)
        client.force_login(world.marketer)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        # when he cancels the promo, which closes the request
        response = client.post(reverse("promo:promo_cancel", args=[promo.pk]),
                               {"version": promo.version, "reason": "Снят с производства"})
        assert response.status_code == 302
        assert SupplierRequest.objects.get(pk=asked.pk).status == SupplierRequest.Status.DECLINED
        # then the Russian supplier reads the answer in Russian on the page, the list and the API
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
        for url in (promo.get_absolute_url(), reverse("promo:request_list") + "?status=all"):
            assert "Промо отменено: запрос закрыт." in page_as(client, world.supplier_user, url)
        api = client.get(f"/api/v1/requests/{asked.pk}/").json()
        assert api["answer"] == "Промо отменено: запрос закрыт."
        # and the English marketer in English
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for url in (promo.get_absolute_url(), reverse("promo:request_list") + "?status=all"):
            page = page_as(client, world.marketer, url)
            assert "The promo is cancelled: the request is closed." in page and "запрос закрыт" not in page
        client.force_login(world.marketer)
        assert client.get(f"/api/v1/requests/{asked.pk}/").json()["answer"] == "The promo is cancelled: the request is closed."
