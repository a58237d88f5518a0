"""Editing a branch or a branch group in admin moves the promos whose rules name it, or the
region, city or chain it belongs to (rules are stored, not their expansion). The save goes
through, and the administrator is told which promos at the tills (approved, in force, waiting
for a decision) now run in other branches, by how many; the edit's admin log names them."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from branches.models import Branch, BranchGroup
from promo.models import PromoEvent
from promo.services.revisions import revision_record
from tests.factories import BranchFactory, BranchGroupFactory, CityFactory, PromoFactory, RegionFactory

pytestmark = pytest.mark.django_db


def rules(**lists) -> dict:
    return {"chain": False, "regions": [], "cities": [], "groups": [], "branches": [], "exclude": [], **lists}


def approved(**kwargs):
    """A promo whose approved revision is in force."""
    promo = PromoFactory(status="approved", **kwargs)
    promo.approved_revision = revision_record(promo=promo)
    promo.save(update_fields=["approved_revision"])
    return promo


def warnings_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"] if response.context else []


def save_group(client, group: BranchGroup, members):
    return client.post(reverse("admin:branches_branchgroup_change", args=[group.pk]),
                       {"name": group.name, "branches": [b.pk for b in members]}, follow=True)


def branch_form(branch: Branch, **changes) -> dict:
    data = {"code": branch.code, "name": branch.name, "region": branch.region_id, "city": branch.city_id,
            "address": branch.address, "sap_plant": branch.sap_plant or "", "smarket_id": branch.smarket_id or "",
            "setretail_shop": branch.setretail_shop or "", "opened": branch.opened or "", "closed": branch.closed or ""}
    return {**data, **changes}


def admin_log(obj) -> list[str]:
    return list(LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
                .values_list("change_message", flat=True))


def test_changing_a_groups_members_names_the_promos_it_moves(client_for):
    # given a group of two branches, named by an approved, a submitted, a draft and a finished promo
    one, two, three = BranchFactory(), BranchFactory(), BranchFactory()
    group = BranchGroupFactory(branches=[one, two])
    in_force = approved(targeting=rules(groups=[group.pk]))
    waiting = PromoFactory(status="submitted", targeting=rules(groups=[group.pk]))
    draft = PromoFactory(status="draft", targeting=rules(groups=[group.pk]))
    past = date.today() - timedelta(days=30)
    finished = approved(targeting=rules(groups=[group.pk]), start=past, end=past + timedelta(days=5))
    elsewhere = approved(targeting=rules(branches=[three.pk]))

    # when the administrator swaps the second branch for the third
    response = save_group(client_for("admin"), group, [one, three])

    # then the group is saved, and he is told the two promos at the tills moved (+1, −1 each)
    assert set(group.branches.all()) == {one, three}
    [warning] = warnings_of(response)
    assert "промо (2)" in warning
    assert f"{in_force.code} (филиалов +1, −1)" in warning
    assert f"{waiting.code} (филиалов +1, −1)" in warning
    for unmoved in (draft, finished, elsewhere):
        assert unmoved.code not in warning
    # and the group's admin log keeps it
    assert any(in_force.code in message and waiting.code in message for message in admin_log(group))


def test_a_promo_in_force_behind_a_newer_revision_counts_on_its_approved_rules(client_for):
    # given a promo in force on a group while its newer revision, on the whole chain, waits
    one, two = BranchFactory(), BranchFactory()
    group = BranchGroupFactory(branches=[one])
    promo = approved(targeting=rules(groups=[group.pk]))
    promo.targeting, promo.status = {"chain": True}, "submitted"
    promo.save()

    # when the administrator adds a branch to the group
    response = save_group(client_for("admin"), group, [one, two])

    # then the promo is named: the tills run its approved revision on the group
    assert f"{promo.code} (филиалов +1, −0)" in warnings_of(response)[0]


def test_a_branch_moved_to_another_region_moves_both_regions_promos(client_for):
    # given a branch of region A, a promo on region A and one on region B
    region_a, region_b = RegionFactory(), RegionFactory()
    city_b = CityFactory(region=region_b)
    branch = BranchFactory(city=CityFactory(region=region_a))
    on_a = approved(targeting=rules(regions=[region_a.pk]))
    on_b = PromoFactory(status="submitted", targeting=rules(regions=[region_b.pk]))

    # when the administrator moves the branch to a city of region B
    response = client_for("admin").post(reverse("admin:branches_branch_change", args=[branch.pk]),
                                        branch_form(branch, region=region_b.pk, city=city_b.pk), follow=True)

    # then it moved, and both promos are named: A's loses it, B's gains it
    branch.refresh_from_db()
    assert branch.region_id == region_b.pk
    [warning] = warnings_of(response)
    assert f"{on_a.code} (филиалов +0, −1)" in warning
    assert f"{on_b.code} (филиалов +1, −0)" in warning
    assert any(on_a.code in message for message in admin_log(branch))


def test_closing_a_branch_before_a_promos_end_names_the_promo(client_for):
    # given a promo running over the next weeks in one named branch
    branch = BranchFactory()
    promo = approved(targeting=rules(branches=[branch.pk]), start=date.today(), end=date.today() + timedelta(days=20))

    # when the administrator closes the branch in ten days
    response = client_for("admin").post(reverse("admin:branches_branch_change", args=[branch.pk]),
                                        branch_form(branch, closed=date.today() + timedelta(days=10)), follow=True)

    # then the promo is named: the exports stop sending it to that branch (it closes before the end)
    assert f"{promo.code} (филиалов +0, −1)" in warnings_of(response)[0]


def test_an_edit_that_moves_no_promo_says_nothing_more(client_for):
    # given a branch in a group named by an approved promo
    branch = BranchFactory()
    approved(targeting=rules(groups=[BranchGroupFactory(branches=[branch]).pk]))

    # when the administrator fixes the branch's address
    response = client_for("admin").post(reverse("admin:branches_branch_change", args=[branch.pk]),
                                        branch_form(branch, address="ул. Новая, 5"), follow=True)

    # then it is saved with no warning
    branch.refresh_from_db()
    assert branch.address == "ул. Новая, 5"
    assert warnings_of(response) == []


def test_the_warning_reads_in_english_for_an_english_administrator(client_for):
    # given a group named by an approved promo, and the administrator reading English
    one, two = BranchFactory(), BranchFactory()
    group = BranchGroupFactory(branches=[one])
    promo = approved(targeting=rules(groups=[group.pk]))
    client = client_for("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when he adds a branch
    response = save_group(client, group, [one, two])

    # then the warning is English
    assert f"{promo.code} (branches +1, −0)" in warnings_of(response)[0]


@pytest.mark.parametrize("promos", [3, 60])
def test_the_check_costs_the_same_queries_for_a_few_promos_and_many(client_for, django_assert_max_num_queries, promos):
    # given a group named by promos with rules of their own (distinct dates, one named branch each)
    one, two = BranchFactory(), BranchFactory()
    group = BranchGroupFactory(branches=[one])
    named = [approved(targeting=rules(groups=[group.pk], branches=[BranchFactory().pk]),
                      start=date.today() + timedelta(days=n), end=date.today() + timedelta(days=n + 10))
             for n in range(promos)]
    client = client_for("admin")

    # when the administrator adds a branch to the group
    with django_assert_max_num_queries(34):
        response = save_group(client, group, [one, two])

    # then every promo is named or counted, at the same cost
    assert f"промо ({promos})" in warnings_of(response)[0]
    assert named[0].code in warnings_of(response)[0]


def test_each_moved_promo_records_why_in_its_history(client_for, demo_user):
    # given a group named by an approved and a draft promo
    one, two = BranchFactory(), BranchFactory()
    group = BranchGroupFactory(name="Гипермаркеты у реки", branches=[one])
    moved = approved(targeting=rules(groups=[group.pk]))
    draft = PromoFactory(status="draft", targeting=rules(groups=[group.pk]))

    # when the administrator adds a branch to the group
    save_group(client_for("admin"), group, [one, two])

    # then the approved promo has one «Изменены филиалы» event by the administrator; the draft none
    [event] = PromoEvent.objects.filter(promo=moved, kind=PromoEvent.Kind.TARGETING_CHANGED)
    assert event.actor == demo_user("admin")
    assert not PromoEvent.objects.filter(promo=draft, kind=PromoEvent.Kind.TARGETING_CHANGED).exists()
    # and its history says why; the activity log words it in its reader's language
    client = client_for("marketer")
    assert ("В справочнике изменён состав группы филиалов «Гипермаркеты у реки»: промо идёт в других "
            "филиалах (+1, −0) со следующей выгрузки."
            ) in client.get(reverse("promo:promo_history", args=[moved.pk])).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert ("In the reference data, the members of branch group «Гипермаркеты у реки» were changed: the promo "
            "runs in other branches (+1, −0) from the next export."
            ) in client.get(reverse("promo:activity_log")).content.decode()


def test_a_new_branch_in_a_targeted_region_names_the_promos_it_joins(client_for):
    # given a promo waiting for a decision on region A
    region = RegionFactory()
    city = CityFactory(region=region)
    promo = PromoFactory(status="submitted", targeting=rules(regions=[region.pk]))

    # when the administrator adds a branch in a city of region A
    response = client_for("admin").post(reverse("admin:branches_branch_add"), branch_form(
        BranchFactory.build(city=city, region=region, code="NEW01", sap_plant=None, smarket_id=None,
                            setretail_shop=None)), follow=True)

    # then the branch exists and the promo is named: its tills will include the new store
    assert Branch.objects.filter(code="NEW01").exists()
    assert f"{promo.code} (филиалов +1, −0)" in warnings_of(response)[0]


def test_deleting_a_branch_the_chain_reaches_warns_first_and_records_it(client_for):
    # given a promo in force on the whole chain, and a branch no rule names
    branch = BranchFactory()
    promo = approved(targeting={"chain": True})
    client = client_for("admin")
    url = reverse("admin:branches_branch_delete", args=[branch.pk])

    # when the administrator opens the delete page, then confirms
    confirmation = client.get(url)
    deleted = client.post(url, {"post": "yes"}, follow=True)

    # then the confirmation page already names the promo, and the deletion records why on it
    assert f"{promo.code} (филиалов +0, −1)" in warnings_of(confirmation)[0]
    assert not Branch.objects.filter(pk=branch.pk).exists()
    assert f"{promo.code} (филиалов +0, −1)" in warnings_of(deleted)[0]
    event = PromoEvent.objects.get(promo=promo, kind=PromoEvent.Kind.TARGETING_CHANGED)
    assert f"удалён филиал {branch.code}" in event.reason
