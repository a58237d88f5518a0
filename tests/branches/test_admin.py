"""Reference data in Django admin: a branch, group, city or region a promo's rules name cannot be
deleted (it would drop out of the promo's rules, and the promo out of those tills at the next
export, without a word); the delete page names the promos instead."""

import pytest
from django.urls import reverse

from branches.models import Branch, BranchGroup, City
from promo.services.revisions import revision_record
from tests.factories import BranchFactory, BranchGroupFactory, CityFactory, PromoFactory

pytestmark = pytest.mark.django_db


def rules(**lists) -> dict:
    return {"chain": False, "regions": [], "cities": [], "groups": [], "branches": [], "exclude": [], **lists}


def delete(client, model: str, pk: int):
    return client.post(reverse(f"admin:branches_{model}_delete", args=[pk]), {"post": "yes"})


def test_a_branch_a_promo_names_is_not_deleted_and_the_page_names_the_promo(client_for):
    # given an approved promo that runs in one named branch
    branch = BranchFactory()
    promo = PromoFactory(name="Весна у дома", status="approved", targeting=rules(branches=[branch.pk]))

    # when the administrator confirms «Удалить» on the branch
    response = delete(client_for("admin"), "branch", branch.pk)

    # then the branch stays, and the refusal names the promo that needs it
    assert Branch.objects.filter(pk=branch.pk).exists()
    assert response.status_code == 200
    assert f"Промо {promo.code} «Весна у дома»: его правила филиалов называют этот объект" in response.content.decode()


def test_a_group_named_by_an_earlier_revision_only_is_kept_too(client_for):
    # given a promo whose first revision ran in a branch group, since moved to the whole chain
    group = BranchGroupFactory(branches=[BranchFactory()])
    promo = PromoFactory(targeting=rules(groups=[group.pk]))
    revision_record(promo=promo)
    promo.targeting = {"chain": True}
    promo.save()

    # when the administrator deletes the group with the list action «Удалить выбранные»
    response = client_for("admin").post(reverse("admin:branches_branchgroup_changelist"),
                                         {"action": "delete_selected", "post": "yes", "_selected_action": [group.pk]})

    # then the group stays (the revision's history still reads it) and the page says why
    assert BranchGroup.objects.filter(pk=group.pk).exists()
    assert promo.code in response.content.decode()


def test_a_city_no_promo_names_is_deleted_as_before(client_for):
    # given a city with no branch, named by no promo, next to a promo naming another city
    unused, named = CityFactory(), CityFactory()
    PromoFactory(targeting=rules(cities=[named.pk]))

    # when the administrator deletes the unused one, and tries the named one
    client = client_for("admin")
    first = delete(client, "city", unused.pk)
    second = delete(client, "city", named.pk)

    # then only the unused city is gone
    assert first.status_code == 302
    assert not City.objects.filter(pk=unused.pk).exists()
    assert second.status_code == 200
    assert City.objects.filter(pk=named.pk).exists()
