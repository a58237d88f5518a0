"""The promo page offers what the services allow (promo/services/actions.py), no more, no
less: the forms shown are the actions that go through, and a refused one answers with the
status of its kind (a state: 409; a role: 403), as the API does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from promo.models import Promo
from promo.services import point_corrections
from tests.promo.services import world as cast


@pytest.fixture(autouse=True)
def frozen_today():
    with cast.frozen_today():
        yield


@pytest.fixture
def world(db):
    return cast.build_world()


def page_of(client, user, promo) -> str:
    client.force_login(user)
    response = client.get(promo.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_promo_in_force_with_a_waiting_successor_offers_no_withdrawal(world, client):
    # given an approved promo whose corrected successor waits for approval
    promo = world.promo(Promo.Status.APPROVED)
    point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="Короче", end=promo.end - timedelta(days=2))

    # when its supplier opens it
    page = page_of(client, world.supplier_user, promo)

    # then «Отозвать» is not offered (the revision in force leaves only by a cancellation), but
    # asking for the cancellation is; posting the withdrawal anyway is a conflict, not a 403
    assert reverse("promo:promo_withdraw", args=[promo.pk]) not in page
    assert reverse("promo:promo_request_cancellation", args=[promo.pk]) in page
    response = client.post(reverse("promo:promo_withdraw", args=[promo.pk]), {"version": promo.version})
    assert response.status_code == 409
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.SUBMITTED


def test_a_manager_may_correct_an_approved_promo_and_is_offered_it(world, client):
    # given an approved promo with lines in A's categories
    promo = world.promo(Promo.Status.APPROVED)

    # when A's manager opens it, then the date and line corrections are offered (the services
    # allow them), and no decision is (nothing is submitted)
    page = page_of(client, world.manager_a, promo)
    assert reverse("promo:promo_correct", args=[promo.pk]) in page
    assert reverse("promo:line_correct", args=[promo.pk]) in page
    assert reverse("promo:promo_approve", args=[promo.pk]) not in page


def test_the_line_correction_form_offers_only_his_lines_and_the_mechanics_fields(world, client):
    # given a fixed-price promo with two lines in A and one in B
    promo = world.promo(Promo.Status.SUBMITTED, mechanic=Promo.Mechanic.FIXED_PRICE)
    client.force_login(world.manager_a)

    # when A's manager opens it
    form = client.get(promo.get_absolute_url()).context["forms"]["line_correct"]

    # then he may pick only his two lines, and only the price and the compensation
    assert set(form.fields["line"].queryset) == {line for line in promo.lines.all()
                                                 if line.product.category_id == world.cat_a.pk}
    assert set(form.fields) == {"version", "line", "promo_price", "compensation_percent", "reason"}
    # and B's line posted anyway is refused as bad input, changing nothing
    response = client.post(reverse("promo:line_correct", args=[promo.pk]), {
        "version": promo.version, "line": world.line(promo, "b").pk, "promo_price": "59,90", "reason": "Торг"})
    assert response.status_code == 400
    assert Promo.objects.get(pk=promo.pk).version == promo.version


def test_a_supplier_posting_a_line_correction_is_refused_by_role(world, client):
    promo = world.promo(Promo.Status.SUBMITTED)
    client.force_login(world.supplier_user)
    response = client.post(reverse("promo:line_correct", args=[promo.pk]), {
        "version": promo.version, "line": world.line(promo).pk, "discount_percent": "20", "reason": "Хочу"})
    assert response.status_code == 403


def test_a_line_correction_with_a_value_that_is_not_a_number_says_only_that(world, client):
    # given a percent promo of A's manager
    promo = world.promo(Promo.Status.SUBMITTED)
    client.force_login(world.manager_a)

    # when he types a discount that is not a number for one of his lines
    response = client.post(reverse("promo:line_correct", args=[promo.pk]), {
        "version": promo.version, "line": world.line(promo, "a").pk, "discount_percent": "abc", "reason": "Торг"})

    # then the form says the discount is not a number, not also that no new value was given
    page = response.content.decode()
    assert response.status_code == 400
    assert "Введите число." in page
    assert "Укажите хотя бы одно новое значение." not in page
    # and with nothing typed at all, it still says so
    empty = client.post(reverse("promo:line_correct", args=[promo.pk]), {
        "version": promo.version, "line": world.line(promo, "a").pk, "reason": "Торг"})
    assert "Укажите хотя бы одно новое значение." in empty.content.decode()
