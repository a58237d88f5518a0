"""Which promos, lines and branches leave (erp-formats.md §1): the approved revision in force,
the horizon, cancellations as deletions, rejected lines, closed branches, missing codes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from exports.models import ExportRun
from exports.services import export_run
from exports.wording import message_texts
from promo.models import Promo, PromoLine
from promo.services.revisions import revision_record
from tests.exports.conftest import END, NIGHT, START, approved_promo, csv_rows, output, smarket_rows
from tests.factories import BranchFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier():
    return SupplierFactory(sap_vendor="0000900001")


@pytest.fixture
def products(supplier):
    return [ProductFactory(supplier=supplier, regular_price=Decimal("100.00")) for _ in range(3)]


@pytest.fixture
def branches():
    return [BranchFactory() for _ in range(3)]


def targeting_of(*branches) -> dict:
    return {"branches": [branch.pk for branch in branches]}


def run_night(day: date = NIGHT, **kwargs) -> ExportRun:
    run = export_run(business_date=day, **kwargs)
    assert run.status == ExportRun.Status.SUCCEEDED, run.error
    return run


def test_rejected_lines_never_appear(export_root, products, branches):
    # given a promo per mechanic where the last product's line was rejected
    kept, rejected = products[:2], products[2]
    for mechanic in Promo.Mechanic.values:
        approved_promo(products=kept, rejected=(rejected,), mechanic=mechanic, targeting=targeting_of(*branches))
    # when the night is exported
    run = run_night()
    # then no file mentions the rejected article, and every kept one is there
    for kind in ("sap_cond", "sap_bonusbuy", "smarket", "setretail"):
        content = output(run, kind)
        assert rejected.article.encode() not in content, kind
        for product in kept:
            assert product.article.encode() in content, kind


def test_the_approved_revision_in_force_leaves_not_the_pending_correction(export_root, products, branches):
    # given an approved 15 % promo whose correction (20 %, new dates, new name) awaits approval
    promo = approved_promo(products=products[:1], targeting=targeting_of(*branches), name="Согласованное")
    promo.name, promo.start, promo.revision, promo.status = "Исправленное", START + timedelta(days=1), 2, \
        Promo.Status.SUBMITTED
    promo.save()
    PromoLine.objects.filter(promo=promo).update(discount_percent=Decimal("20.00"))
    revision_record(promo=promo)
    # when exported
    rows = smarket_rows(run_night())
    # then the rows carry revision 1's terms
    assert {(row[2], row[3], row[8], row[11]) for row in rows} == {("1", "Согласованное", "15.01.2027", "15,00")}


def test_horizon_running_and_finished_promos(export_root, products, branches):
    # given promos: running on the night, starting on the last day of the horizon, starting after
    # it, and one that ended the day before
    targeting = targeting_of(*branches)
    running = approved_promo(products=products[:1], targeting=targeting, start=NIGHT - timedelta(days=3), end=NIGHT)
    edge = approved_promo(products=products[:1], targeting=targeting, start=NIGHT + timedelta(days=30),
                          end=NIGHT + timedelta(days=40))
    approved_promo(products=products[:1], targeting=targeting, start=NIGHT + timedelta(days=31),
                   end=NIGHT + timedelta(days=40))
    approved_promo(products=products[:1], targeting=targeting, start=NIGHT - timedelta(days=10),
                   end=NIGHT - timedelta(days=1))
    # when exported with the default horizon of 30 days
    run = run_night()
    # then only the running promo and the one inside the horizon left
    assert sorted(run.promo_rows.values_list("promo_id", flat=True)) == sorted([running.pk, edge.pk])


def test_a_draft_or_unapproved_promo_does_not_leave(export_root, products, branches):
    # given a submitted promo that was never approved
    approved = approved_promo(products=products[:1], targeting=targeting_of(*branches))
    Promo.objects.filter(pk=approved.pk).update(approved_revision=None, status=Promo.Status.SUBMITTED)
    # when exported, then nothing leaves: SAP and S-Market files keep their header / empty root
    run = run_night()
    assert run.promo_rows.count() == 0
    assert output(run, "smarket").count(b"\r\n") == 1
    assert len(ElementTree.fromstring(output(run, "sap_cond"))) == 0
    assert output(run, "sap_bonusbuy").startswith(b"ACTION;BBY_EXT_ID;") and output(run, "sap_bonusbuy").count(b"\n") == 1
    # and Set Retail gets no file at all (its schema wants at least one action), the manifest says why
    assert not run.files.filter(kind="setretail").exists()
    manifest = json.loads((export_root / run.name / "manifest.json").read_text(encoding="utf-8"))
    assert [(entry["name"], entry["system"]) for entry in manifest["skipped"]] == [
        ("set10_actions_20270110_01.xml", "setretail")]
    assert "не записан" in manifest["skipped"][0]["reason"]
    assert not (export_root / run.name / "set10_actions_20270110_01.xml").exists()


@pytest.mark.parametrize("status", [Promo.Status.CANCELLED, Promo.Status.WITHDRAWN])
def test_cancelled_promo_leaves_as_deletion_until_its_end(export_root, products, branches, status):
    # given a percent promo and an N+M promo that left on a night, then were cancelled
    targeting = targeting_of(*branches)
    pct = approved_promo(products=products[:1], targeting=targeting)
    nm = approved_promo(products=products[1:2], targeting=targeting, mechanic=Promo.Mechanic.N_PLUS_M)
    run_night(NIGHT)
    Promo.objects.filter(pk__in=[pct.pk, nm.pk]).update(status=status)
    # when the night before the end is exported
    run = run_night(END)
    # then every system gets a deletion of what was sent
    assert {row[0] for row in smarket_rows(run)} == {"D"}
    assert {row[0] for row in csv_rows(run)} == {"D"}
    idocs = ElementTree.fromstring(output(run, "sap_cond")).findall("IDOC")
    assert len(idocs) == len(branches)
    assert {idoc.findtext("E1KOMG/E1KONH/E1KONP/LOEVM_KO") for idoc in idocs} == {"X"}
    actions = ElementTree.fromstring(output(run, "setretail")).findall("AdvertisingAction")
    assert [(a.get("external-code"), a.get("active"), a.get("deleted")) for a in actions] == [
        (pct.code, "false", "true"), (nm.code, "false", "true")]
    assert set(run.promo_rows.values_list("action", flat=True)) == {"delete"}
    # and after the end date has passed the promo is gone
    later = run_night(END + timedelta(days=1))
    assert later.promo_rows.count() == 0
    assert smarket_rows(later) == []


def test_a_promo_cancelled_before_it_ever_left_sends_no_deletion(export_root, products, branches):
    # given a promo approved and cancelled before any night exported it
    approved_promo(products=products[:1], targeting=targeting_of(*branches), status=Promo.Status.CANCELLED)
    # when the night is exported
    run = run_night()
    # then no file carries it
    assert smarket_rows(run) == [] and csv_rows(run) == []
    assert len(ElementTree.fromstring(output(run, "sap_cond"))) == 0
    assert not run.files.filter(kind="setretail").exists()
    assert run.promo_rows.count() == 0


def test_live_promo_is_an_insert(export_root, products, branches):
    approved_promo(products=products[:1], targeting=targeting_of(*branches))
    run = run_night()
    assert {row[0] for row in smarket_rows(run)} == {"A"}
    action = ElementTree.fromstring(output(run, "setretail")).find("AdvertisingAction")
    assert action.get("active") == "true" and action.get("deleted") is None
    assert ElementTree.fromstring(output(run, "sap_cond")).find("IDOC/E1KOMG/E1KONH/E1KONP/LOEVM_KO") is None


def test_branch_closed_before_the_promo_end_is_left_out(export_root, products):
    # given three branches: open, closing on the promo's last day, closing after the promo
    open_branch = BranchFactory()
    closes_on_end = BranchFactory(closed=END)
    closes_after = BranchFactory(closed=END + timedelta(days=1))
    approved_promo(products=products[:1], targeting=targeting_of(open_branch, closes_on_end, closes_after))
    # when exported
    run = run_night()
    # then the branch closing on or before the end is in no file
    stores = {int(row[5]) for row in smarket_rows(run)}
    assert stores == {open_branch.smarket_id, closes_after.smarket_id}
    shops = ElementTree.fromstring(output(run, "setretail")).findtext("AdvertisingAction/shop-indices")
    assert shops == " ".join(str(s) for s in sorted([open_branch.setretail_shop, closes_after.setretail_shop]))
    plants = {idoc.findtext("E1KOMG/WERKS") for idoc in ElementTree.fromstring(output(run, "sap_cond"))}
    assert plants == {open_branch.sap_plant, closes_after.sap_plant}


def test_branch_without_set_retail_code_is_a_manifest_warning(export_root, products, branches):
    # given a promo on three branches, one of which has no Set Retail shop number
    no_code = BranchFactory(code="T9999", setretail_shop=None)
    promo = approved_promo(products=products[:1], targeting=targeting_of(*branches, no_code))
    # when exported
    run = run_night()
    # then the Set Retail file lists the other shops and its manifest entry warns about T9999
    set10 = run.files.get(kind="setretail")
    assert message_texts(set10.warnings) == [f"Филиал T9999 без кода Set Retail пропущен в промо {promo.code}."]
    shops = ElementTree.fromstring(output(run, "setretail")).findtext("AdvertisingAction/shop-indices")
    assert shops == " ".join(str(s) for s in sorted(b.setretail_shop for b in branches))
    # the other systems know the branch and carry it without a warning
    assert run.files.get(kind="smarket").warnings == []
    assert len(smarket_rows(run)) == 4
    manifest = (export_root / run.name / "manifest.json").read_text(encoding="utf-8")
    assert "T9999 без кода Set Retail" in manifest
    # and the marketers are told through a warnings event
    from promo.models import PromoEvent

    event = PromoEvent.objects.get(kind=PromoEvent.Kind.EXPORT_WARNINGS, payload__run_id=run.pk)
    assert event.payload["date"] == NIGHT.isoformat()
    assert any("T9999" in warning for warning in message_texts(event.payload["warnings"]))


def test_promo_without_any_coded_shop_is_skipped_with_a_warning(export_root, products):
    # given the only promo of the night is on a branch without a Set Retail shop number
    lonely = BranchFactory(setretail_shop=None)
    promo = approved_promo(products=products[:1], targeting=targeting_of(lonely))
    # when exported, then Set Retail has nothing to send (no file) and the run says why
    run = run_night()
    assert not run.files.filter(kind="setretail").exists()
    assert f"Промо {promo.code}: ни у одного филиала нет кода Set Retail — акция не выгружена." in message_texts(run.warnings)
    assert run.files.get(kind="smarket").records == 1


def test_overlapping_periods_on_one_sap_key_refuse_that_key(export_root, products, branches):
    # given two percent promos on the same article and branches with overlapping periods,
    # and a third article only in the first promo
    targeting = targeting_of(*branches)
    first = approved_promo(products=products[:2], targeting=targeting, start=START, end=END)
    second = approved_promo(products=products[:1], targeting=targeting, start=END, end=END + timedelta(days=5))
    # when exported
    run = run_night()
    # then the shared key is refused everywhere with one manifest error, the other key is written
    cond = run.files.get(kind="sap_cond")
    matnrs = [idoc.findtext("E1KOMG/MATNR") for idoc in ElementTree.fromstring(output(run, "sap_cond"))]
    assert matnrs == [products[1].article] * len(branches)
    errors = message_texts(cond.errors)
    assert len(errors) == 1
    assert products[0].article in errors[0]
    assert first.code in errors[0] and second.code in errors[0]
    # the other files are not concerned
    assert len(smarket_rows(run)) == 3 * len(branches)


def test_consecutive_periods_on_one_key_share_an_idoc(export_root, products, branches):
    # given two percent promos on one article, one after the other
    targeting = targeting_of(branches[0])
    approved_promo(products=products[:1], targeting=targeting, start=START, end=END,
                   discount_percent=Decimal("10.00"))
    approved_promo(products=products[:1], targeting=targeting, start=END + timedelta(days=1),
                   end=END + timedelta(days=7), discount_percent=Decimal("20.00"))
    # when exported
    run = run_night()
    # then one IDoc carries both periods, sorted by DATAB
    idocs = ElementTree.fromstring(output(run, "sap_cond")).findall("IDOC")
    assert len(idocs) == 1
    periods = [(h.findtext("DATAB"), h.findtext("E1KONP/KBETR")) for h in idocs[0].iter("E1KONH")]
    assert periods == [("20270115", "-10.00"), ("20270129", "-20.00")]
    assert run.files.get(kind="sap_cond").errors == []
