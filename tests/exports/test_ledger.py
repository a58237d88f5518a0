"""The export ledger (erp-formats.md §1 "Deletions: the export ledger"): what a system was sent and
is no longer wanted goes out as a deletion in that system's format, every night until the period
that was sent has ended; nothing is deleted that was never sent; a failed run changes nothing; a
rerun of a date gives the same bytes; the reconciliation counts are the difference of two runs'
files, counted here from the files themselves."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from rest_framework.test import APIClient

from exports import ledger
from exports.models import ExportChange, ExportLedgerEntry, ExportRun
from exports.selection import select
from exports.services import export_preview, export_run
from exports.writers import writers_for
from exports.writers.smarket import SMarketWriter
from promo.models import Promo, PromoLine
from promo.services.revisions import revision_freeze_decisions, revision_record
from tests.exports.conftest import END, NIGHT, START, approved_promo, output
from tests.factories import BranchFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db

NEXT = NIGHT + timedelta(days=1)


def run_night(day: date = NIGHT, *, today: date | None = None, **kwargs) -> ExportRun:
    """The run of business date ``day``, made on ``today`` (the night itself unless told: the
    ledger keeps what the tills still hold on the real day, store.keep_from)."""
    moment = datetime.combine(today or day, time(12, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment, tick=True):
        run = export_run(business_date=day, **kwargs)
    assert run.status == ExportRun.Status.SUCCEEDED, run.error
    return run


def approve_revision(promo: Promo, *, targeting: dict | None = None, remove=(), reject=(), end: date | None = None,
                     **line_fields) -> Promo:
    """The next revision of ``promo`` with these changes, approved and in force (as a correction
    or a re-targeting followed by approval leaves it)."""
    promo.refresh_from_db()
    promo.revision += 1
    if targeting is not None:
        promo.targeting = targeting
    if end is not None:
        promo.end = end
    promo.status = Promo.Status.APPROVED
    promo.save()
    PromoLine.objects.filter(promo=promo, product__in=list(remove)).delete()
    PromoLine.objects.filter(promo=promo, product__in=list(reject)).update(
        decision=PromoLine.Decision.REJECTED, decision_reason="Не согласовано")
    if line_fields:
        PromoLine.objects.filter(promo=promo, decision=PromoLine.Decision.ACCEPTED).update(**line_fields)
    revision_record(promo=promo)
    promo.approved_revision = revision_freeze_decisions(promo=promo)
    promo.save(update_fields=["approved_revision"])
    return promo


# --- reading the files back, independently of the writers ---------------------------------------

def smarket_records(run) -> dict:
    """S-Market: (promo, store, article) -> (action, the rest of the row)."""
    text = output(run, "smarket").decode("windows-1251")
    records = {}
    for row in (line.split(";") for line in text.split("\r\n")[1:] if line):
        key = (row[1], row[5], row[6])
        assert key not in records, key
        records[key] = (row[0], tuple(row[1:5] + row[7:]))
    return records


def bonusbuy_records(run) -> dict:
    """SAP bonus buys: (BBY_EXT_ID, WERKS, MATNR) -> (action, the rest of the row)."""
    text = output(run, "sap_bonusbuy").decode("utf-8")
    records = {}
    for row in (line.split(";") for line in text.split("\n")[1:] if line):
        key = (row[1], row[7], row[8])
        assert key not in records, key
        records[key] = (row[0], tuple(row[2:7] + row[9:]))
    return records


def condition_records(run) -> dict:
    """SAP conditions: (KSCHL, WERKS, MATNR, DATAB, DATBI) -> ("D" or "I", KBETR and unit)."""
    records = {}
    for idoc in ElementTree.fromstring(output(run, "sap_cond")).findall("IDOC"):
        komg = idoc.find("E1KOMG")
        for konh in komg.findall("E1KONH"):
            konp = konh.find("E1KONP")
            key = (komg.findtext("KSCHL"), komg.findtext("WERKS"), komg.findtext("MATNR"), konh.findtext("DATAB"),
                   konh.findtext("DATBI"))
            assert key not in records, key
            records[key] = ("D" if konp.findtext("LOEVM_KO") == "X" else "I",
                            (konp.findtext("KBETR"), konp.findtext("KONWA"), konp.findtext("KMEIN")))
    return records


def set10_records(run) -> dict:
    """Set Retail: external-code -> ("D" or "I", the action as text)."""
    if not run.files.filter(kind="setretail").exists():
        return {}
    records = {}
    for action in ElementTree.fromstring(output(run, "setretail")).findall("AdvertisingAction"):
        action.tail = None  # the whitespace after the element is not part of the action
        records[action.get("external-code")] = ("D" if action.get("deleted") == "true" else "I",
                                                ElementTree.tostring(action))
    return records


READERS = {"sap_cond": condition_records, "sap_bonusbuy": bonusbuy_records, "smarket": smarket_records,
           "setretail": set10_records}


def difference(before: dict, after: dict) -> dict:
    """What ``after`` changes against ``before``, as a person comparing the two files would count."""
    live_before = {key: value for key, (action, value) in before.items() if action not in ("D",)}
    deleting_before = {key for key, (action, _value) in before.items() if action == "D"}
    counts = dict.fromkeys(("added", "changed", "deleted", "repeated", "unchanged"), 0)
    for key, (action, value) in after.items():
        if action == "D":
            counts["repeated" if key in deleting_before else "deleted"] += 1
        elif key not in live_before:
            counts["added"] += 1
        elif live_before[key] != value:
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
    return counts


def deletions(records: dict) -> set:
    return {key for key, (action, _value) in records.items() if action == "D"}


# --- the four kinds of change the issue names ----------------------------------------------------

@pytest.fixture
def chain():
    """Three branches and a supplier with four products."""
    branches = [BranchFactory() for _ in range(3)]
    supplier = SupplierFactory(sap_vendor="0000900001")
    products = [ProductFactory(supplier=supplier, regular_price=Decimal("100.00")) for _ in range(4)]
    return branches, products


def two_promos(branches, products):
    """A percent promo and an N+M promo on the same two products and three branches: together they
    reach all four files."""
    targeting = {"branches": [branch.pk for branch in branches]}
    pct = approved_promo(products=products[:2], targeting=targeting)
    nm = approved_promo(products=products[:2], targeting=targeting, mechanic=Promo.Mechanic.N_PLUS_M)
    return pct, nm


def test_retargeting_deletes_the_dropped_branch_in_every_file_until_the_period_ends(export_root, chain):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    first = run_night(NIGHT)
    # given the promos are re-targeted to two of their three branches
    dropped = branches[2]
    for promo in (pct, nm):
        approve_revision(promo, targeting={"branches": [branches[0].pk, branches[1].pk]})
    # when the next night is exported
    run = run_night(NEXT)
    articles = sorted(product.article for product in products[:2])
    # then SAP gets the conditions of the dropped plant with LOEVM_KO=X and the period that was sent
    conditions = condition_records(run)
    assert deletions(conditions) == {("KA02", dropped.sap_plant, article, "20270115", "20270128") for article in articles}
    assert all(value == ("-15.00", "%", None) for key, (action, value) in conditions.items() if action == "D")
    # the bonus buys and S-Market get ACTION=D rows for it
    assert deletions(bonusbuy_records(run)) == {(nm.code, dropped.sap_plant, article) for article in articles}
    assert deletions(smarket_records(run)) == {(promo.code, str(dropped.smarket_id), article)
                                               for promo in (pct, nm) for article in articles}
    # and Set Retail gets both actions again with the reduced shops (an update by external-code)
    actions = {a.get("external-code"): a for a in ElementTree.fromstring(output(run, "setretail"))}
    for promo in (pct, nm):
        assert actions[promo.code].get("deleted") is None
        assert actions[promo.code].findtext("shop-indices") == " ".join(
            str(shop) for shop in sorted([branches[0].setretail_shop, branches[1].setretail_shop]))
    # the live records of the other branches are still there, unchanged but for the revision
    assert {key[1] for key, (action, _v) in smarket_records(run).items() if action == "A"} == {
        str(branches[0].smarket_id), str(branches[1].smarket_id)}
    # and the deletions go every night until the period that was sent has ended, then stop
    assert deletions(smarket_records(run_night(END))) == deletions(smarket_records(run))
    later = run_night(END + timedelta(days=1))
    assert later.promo_rows.count() == 0
    assert deletions(smarket_records(later)) == set() and deletions(condition_records(later)) == set()
    assert not ExportLedgerEntry.objects.exists()
    assert first.files.get(kind="smarket").deletions == 0


def test_a_replaced_character_is_reported_once_however_many_parts_of_the_promo_the_file_holds(export_root, chain):
    from exports.wording import message_texts

    # given a promo whose name S-Market's windows-1251 cannot hold, sent, then re-targeted
    branches, products = chain
    pct, _nm = two_promos(branches, products)
    Promo.objects.filter(pk=pct.pk).update(name="Ёлка ✓")
    approve_revision(pct)
    run_night(NIGHT)
    approve_revision(pct, targeting={"branches": [branches[0].pk]})
    # when the next night writes its live records and the deletions of the dropped branches
    run = run_night(NEXT)
    assert smarket_rows_of(run, "D") and smarket_rows_of(run, "A")
    # then the file, the run page and the manifest report the replaced character once
    smarket = run.files.get(kind="smarket")
    expected = [f"Промо {pct.code}, PROMO_NAME: символы ✓ не представимы в windows-1251 и заменены на «?»."]
    assert message_texts(smarket.warnings) == expected
    manifest = json.loads((Path(run.folder) / "manifest.json").read_text(encoding="utf-8"))
    assert next(f for f in manifest["files"] if f["system"] == "smarket")["warnings"] == expected


def smarket_rows_of(run, action: str) -> list[tuple]:
    return [key for key, (row_action, _value) in smarket_records(run).items() if row_action == action]


def test_a_removed_line_is_deleted_in_every_file(export_root, chain):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    run_night(NIGHT)
    # given a correction removes the second product from both promos
    removed = products[1]
    for promo in (pct, nm):
        approve_revision(promo, remove=[removed])
    # when the next night is exported
    run = run_night(NEXT)
    plants = {branch.sap_plant for branch in branches}
    # then every file deletes that product on every branch it was sent to, and keeps the other
    assert deletions(condition_records(run)) == {("KA02", plant, removed.article, "20270115", "20270128")
                                                 for plant in plants}
    assert deletions(bonusbuy_records(run)) == {(nm.code, plant, removed.article) for plant in plants}
    assert deletions(smarket_records(run)) == {(promo.code, str(branch.smarket_id), removed.article)
                                               for promo in (pct, nm) for branch in branches}
    actions = {a.get("external-code"): a for a in ElementTree.fromstring(output(run, "setretail"))}
    for promo in (pct, nm):
        goods = {good.get("id") for good in actions[promo.code].iter("marking-of-the-good")}
        assert goods == {products[0].article}
        assert actions[promo.code].get("deleted") is None


def test_a_line_rejected_in_a_later_revision_is_deleted(export_root, chain):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    run_night(NIGHT)
    # given revision 2 of both promos has the second product's line rejected
    for promo in (pct, nm):
        approve_revision(promo, reject=[products[1]])
    # when the next night is exported, then the line is deleted where it was sent
    run = run_night(NEXT)
    assert {key[2] for key in deletions(condition_records(run))} == {products[1].article}
    assert {key[2] for key in deletions(bonusbuy_records(run))} == {products[1].article}
    assert {key[2] for key in deletions(smarket_records(run))} == {products[1].article}
    assert len(deletions(smarket_records(run))) == 2 * len(branches)
    goods = {good.get("id") for good in ElementTree.fromstring(output(run, "setretail")).iter("marking-of-the-good")}
    assert goods == {products[0].article}


def test_a_cancellation_deletes_everything_that_was_sent(export_root, chain):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    first = run_night(NIGHT)
    # given both promos are cancelled after they left
    Promo.objects.filter(pk__in=[pct.pk, nm.pk]).update(status=Promo.Status.CANCELLED)
    # when the next night is exported
    run = run_night(NEXT)
    # then every record that was live is now a deletion with the terms that were sent
    for kind, read in READERS.items():
        before, after = read(first), read(run)
        assert set(after) == set(before), kind
        assert {action for action, _value in after.values()} == {"D"}, kind
    actions = ElementTree.fromstring(output(run, "setretail")).findall("AdvertisingAction")
    assert {(a.get("active"), a.get("deleted")) for a in actions} == {("false", "true")}
    assert [a.findtext("shop-indices") for a in actions] == [
        a.findtext("shop-indices") for a in ElementTree.fromstring(output(first, "setretail"))]


def test_a_promo_cancelled_before_its_first_run_gives_no_deletion(export_root, chain):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    Promo.objects.filter(pk__in=[pct.pk, nm.pk]).update(status=Promo.Status.CANCELLED)
    run = run_night(NIGHT)
    for kind, read in READERS.items():
        assert read(run) == {}, kind
    assert not ExportLedgerEntry.objects.exists()


def test_a_deletion_stops_when_the_record_is_wanted_again(export_root, chain):
    branches, products = chain
    pct, _nm = two_promos(branches, products)
    run_night(NIGHT)
    approve_revision(pct, targeting={"branches": [branches[0].pk]})
    assert deletions(smarket_records(run_night(NEXT)))
    # given the branches come back
    approve_revision(pct, targeting={"branches": [branch.pk for branch in branches]})
    # when the next night is exported, then they are live again and nothing is deleted
    run = run_night(NEXT + timedelta(days=1))
    assert deletions(smarket_records(run)) == set()
    assert deletions(condition_records(run)) == set()
    assert {key[1] for key in smarket_records(run) if key[0] == pct.code} == {str(b.smarket_id) for b in branches}


def test_a_deletion_carries_the_period_that_was_sent(export_root, chain):
    branches, products = chain
    pct, _nm = two_promos(branches, products)
    run_night(NIGHT)
    # given the promo is shortened and loses a branch
    approve_revision(pct, targeting={"branches": [branches[0].pk, branches[1].pk]}, end=END - timedelta(days=3))
    # when the next night is exported
    conditions = condition_records(run_night(NEXT))
    # then the dropped plant's deletion has the old period, the live records the new one
    assert {key[3:] for key in deletions(conditions)} == {("20270115", "20270128")}
    assert {key[3:] for key, (action, _v) in conditions.items() if action == "I"} == {("20270115", "20270125")}


def test_a_key_sap_refuses_is_not_taken_for_sent(export_root, chain):
    # given a promo on a key that another promo's overlapping period blocks from its first night
    branches, products = chain
    targeting = {"branches": [branches[0].pk]}
    first = approved_promo(products=products[:1], targeting=targeting)
    second = approved_promo(products=products[:1], targeting=targeting, start=END, end=END + timedelta(days=3))
    refused = run_night(NIGHT)
    assert condition_records(refused) == {} and refused.files.get(kind="sap_cond").errors
    # when the second promo is cancelled, then the first one's record is sent as new, and the
    # cancelled one that SAP never got is not deleted
    Promo.objects.filter(pk=second.pk).update(status=Promo.Status.CANCELLED)
    run = run_night(NEXT)
    assert condition_records(run) == {("KA02", branches[0].sap_plant, products[0].article, "20270115", "20270128"):
                                      ("I", ("-15.00", "%", None))}
    change = ExportChange.objects.get(run=run, kind="sap_cond", promo_code=first.code)
    assert (change.added, change.deleted) == (1, 0)
    assert not ExportChange.objects.filter(run=run, kind="sap_cond", promo_code=second.code).exists()


def test_a_key_refused_after_it_was_sent_stays_as_sent(export_root, chain):
    # given a promo whose SAP record left, then an overlapping promo on the same key is approved
    branches, products = chain
    targeting = {"branches": [branches[0].pk]}
    first = approved_promo(products=products[:1], targeting=targeting)
    run_night(NIGHT)
    second = approved_promo(products=products[:1], targeting=targeting, start=END, end=END + timedelta(days=3))
    # when the next night refuses the key (manifest error), then nothing is deleted of the first
    blocked = run_night(NEXT)
    assert condition_records(blocked) == {}
    # and once the clash is gone the record is unchanged, not new: the ledger kept what SAP holds
    Promo.objects.filter(pk=second.pk).update(status=Promo.Status.CANCELLED)
    run = run_night(NEXT + timedelta(days=1))
    assert deletions(condition_records(run)) == set()
    assert not ExportChange.objects.filter(run=run, kind="sap_cond", promo_code=first.code).exists()
    assert run.files.get(kind="sap_cond").changes["records"]["unchanged"] == 1


def test_a_changed_key_setting_deletes_the_old_keys_under_their_old_names(export_root, chain, settings):
    # given SAP got the article as MATNR, and the chain switches to the EAN
    branches, products = chain
    approved_promo(products=products[:1], targeting={"branches": [branches[0].pk]})
    run_night(NIGHT)
    settings.SAP_MATNR_SOURCE = "ean"
    # when the next night is exported, then the old key is deleted and the new one sent
    conditions = condition_records(run_night(NEXT))
    assert {(key[2], action) for key, (action, _v) in conditions.items()} == {
        (products[0].article, "D"), (products[0].ean, "I")}


# --- failed runs, reruns, dry runs ---------------------------------------------------------------

def ledger_snapshot() -> list[tuple]:
    return list(ExportLedgerEntry.objects.order_by("kind", "promo_code").values_list(
        "kind", "promo_code", "digest", "state", "ends", "run_id"))


def test_a_failed_run_leaves_the_ledger_unchanged(export_root, chain, monkeypatch):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    run_night(NIGHT)
    before = ledger_snapshot()
    approve_revision(pct, targeting={"branches": [branches[0].pk]})
    # given the S-Market writer breaks after the SAP files are written
    original = SMarketWriter._tail

    def broken(self, promo, line):
        raise OSError("диск переполнен")

    monkeypatch.setattr(SMarketWriter, "_tail", broken)
    # when the next night fails
    failed = export_run(business_date=NEXT)
    assert failed.status == ExportRun.Status.FAILED
    # then the ledger is as it was and no change is recorded
    assert ledger_snapshot() == before
    assert not ExportChange.objects.filter(run=failed).exists()
    # and the run once the disk is fine still sends the deletions
    monkeypatch.setattr(SMarketWriter, "_tail", original)
    assert deletions(smarket_records(run_night(NEXT)))


def test_two_reruns_of_a_date_are_byte_identical(export_root, chain):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    run_night(NIGHT)
    approve_revision(pct, targeting={"branches": [branches[0].pk]})
    Promo.objects.filter(pk=nm.pk).update(status=Promo.Status.CANCELLED)
    # when the next night is exported three times
    runs = [run_night(NEXT) for _ in range(3)]
    # then each file is the same bytes every time (deletions included)
    digests = [{f.kind: (f.sha256, f.size, f.records, f.deletions) for f in run.files.all()} for run in runs]
    assert digests[0] == digests[1] == digests[2]
    assert digests[0]["smarket"][3] > 0
    # the first one counts the deletions as new, the reruns as repeated
    counts = [run.files.get(kind="smarket").changes["records"] for run in runs]
    assert counts[0]["deleted"] > 0 and counts[1]["deleted"] == 0 == counts[2]["deleted"]
    assert counts[1]["repeated"] == counts[0]["deleted"]


def test_another_run_advancing_the_ledger_meanwhile_fails_the_run(export_root, chain):
    # given a run that read the ledger, and another run that completes before it stores its own
    branches, products = chain
    two_promos(branches, products)
    writer = next(w for w in writers_for(("smarket",)))
    plan = ledger.plan(writer, select(business_date=NIGHT), NIGHT)
    plan.settle()
    other = run_night(NIGHT, systems=("smarket",))
    # when the first one stores its ledger, then it is refused (it would lose the other's deletions)
    with pytest.raises(ledger.LedgerMoved, match=other.name):
        ledger.save(plan, other)


# --- a run for an earlier date than the one that last advanced the ledger -------------------------

# A night whose horizon (30 days) ends before the promos of the chain fixture start (15.01.2027).
EARLY = START - timedelta(days=45)


def test_an_earlier_date_deletes_nothing_a_later_dated_run_sent_of_approved_promos(export_root, chain):
    # given an on-demand run for a future date sent both promos to every system
    branches, products = chain
    two_promos(branches, products)
    future = run_night(NIGHT)
    sent = {kind: read(future) for kind, read in READERS.items()}
    assert all(sent.values())
    held = ledger_snapshot()
    # when the nightly run of an earlier date follows, whose horizon ends before the promos start
    preview = export_preview(business_date=EARLY)
    nightly = run_night(EARLY)
    # then no system is told to delete anything (the tills keep the approved promos), the dry run
    # said the same, and the ledger still holds what the later-dated run sent
    for kind, read in READERS.items():
        assert deletions(read(nightly)) == set(), kind
    assert all(f["records"]["deleted"] == 0 == f["records"]["repeated"] for f in preview["files"])
    assert {f.kind: f.deletions for f in nightly.files.all()} == {"sap_cond": 0, "sap_bonusbuy": 0, "smarket": 0}
    assert ledger_snapshot() == held
    # and the next run for the future date re-sends nothing as new: no ping-pong at the tills
    again = run_night(NIGHT)
    assert {kind: read(again) for kind, read in READERS.items()} == sent
    for export_file in again.files.all():
        records = export_file.changes["records"]
        assert records["added"] == records["deleted"] == records["repeated"] == 0, export_file.kind
        assert records["unchanged"] > 0, export_file.kind


def test_an_earlier_date_still_deletes_what_is_no_longer_approved(export_root, chain):
    # given a later-dated run sent both promos, then one is cancelled and the other postponed
    branches, products = chain
    pct, nm = two_promos(branches, products)
    future = run_night(NIGHT)
    Promo.objects.filter(pk=pct.pk).update(status=Promo.Status.CANCELLED)
    approve_revision(nm, end=END + timedelta(days=7))
    # when a run for an earlier date (both beyond its horizon) is exported
    nightly = run_night(EARLY)
    # then every record that was sent goes out as a deletion with the period that was sent:
    # the cancelled promo is not wanted, the postponed one's old period is no longer approved
    for kind, read in READERS.items():
        if kind == "setretail":
            continue
        assert deletions(read(nightly)) == set(read(future)), kind
    assert set(set10_records(nightly)) == {pct.code, nm.code}
    assert {action for action, _v in set10_records(nightly).values()} == {"D"}


def test_an_earlier_date_repeats_its_own_reruns_byte_for_byte(export_root, chain):
    # given a later-dated run sent the promos and one of them was cancelled since
    branches, products = chain
    pct, _nm = two_promos(branches, products)
    run_night(NIGHT)
    Promo.objects.filter(pk=pct.pk).update(status=Promo.Status.CANCELLED)
    # when the earlier date is exported twice
    runs = [run_night(EARLY) for _ in range(2)]
    # then both give the same bytes (the cancelled promo's deletions, nothing of the other)
    digests = [{f.kind: (f.sha256, f.records, f.deletions) for f in run.files.all()} for run in runs]
    assert digests[0] == digests[1]
    assert digests[0]["smarket"][2] > 0
    assert {key[0] for key in smarket_records(runs[1])} == {pct.code}


def test_the_changes_of_an_earlier_date_say_they_compare_with_what_a_later_dated_run_sent(export_root, chain,
                                                                                           client_for):
    from django.urls import reverse

    from exports.reconciliation import reconciliation_of_run

    # given an on-demand run for a future date sent both promos to every system
    branches, products = chain
    two_promos(branches, products)
    future = run_night(NIGHT, today=EARLY)
    later_note = (f"Журнал отправленного последней изменила выгрузка {future.name} за более позднюю дату "
                  f"{NIGHT:%d.%m.%Y}. Сравнение — с тем, что системы уже получили, в том числе от неё")
    # when a marketer previews the nightly run of today, an earlier date
    with time_machine.travel(datetime.combine(EARLY, time(12, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))):
        preview = export_preview(business_date=EARLY)
        page = client_for("marketer").get(reverse("exports:preview"), {"date": EARLY.isoformat()}).content.decode()
    # then each file names the run its ledger comes from with that run's own date, and the
    # preview says that it compares with what the tills already hold, that run's records included
    # (the tills have them: they are neither new there nor deleted), not with a run of its date
    assert {f["kind"]: f["base_run"] for f in preview["files"]} == {
        kind: {"id": future.pk, "name": future.name, "business_date": NIGHT.isoformat()}
        for kind in ("sap_cond", "sap_bonusbuy", "smarket", "setretail")}
    assert [warning for warning in preview["warnings"] if warning.startswith(later_note)] == [preview["warnings"][0]]
    assert f"за {NIGHT:%d.%m.%Y}" in page and later_note in page
    # and the nightly run says the same on its «Что изменится на кассе»
    nightly = run_night(EARLY)
    assert reconciliation_of_run(nightly)["warnings"][0].startswith(later_note)
    # while the next preview and run, whose ledger is of an earlier or the same date, have no such note
    later = export_preview(business_date=NIGHT)
    assert not any("более позднюю дату" in warning for warning in later["warnings"])
    assert not any("более позднюю дату" in warning for warning in reconciliation_of_run(run_night(NIGHT))["warnings"])


def test_a_later_date_does_not_forget_what_the_tills_hold_today(export_root, chain):
    # given both promos are running today and the nightly run sent them
    branches, products = chain
    pct, nm = two_promos(branches, products)
    today = START + timedelta(days=2)
    nightly = run_night(today)
    # when a marketer runs today for a date after their end (they are over by then: nothing of
    # them in that run's files, no deletion either)
    later = run_night(END + timedelta(days=5), today=today)
    for kind, read in READERS.items():
        assert read(later) == {}, kind
    # and then one of them is cancelled
    Promo.objects.filter(pk=pct.pk).update(status=Promo.Status.CANCELLED)
    # then the next nightly run still deletes everything that was sent of it, the other stays
    tonight = run_night(today + timedelta(days=1))
    sap = condition_records(nightly)
    assert deletions(condition_records(tonight)) == set(sap)
    assert {key[0] for key in deletions(smarket_records(tonight))} == {pct.code}
    assert set10_records(tonight)[pct.code][0] == "D" and set10_records(tonight)[nm.code][0] == "I"


def test_the_preview_changes_nothing_and_uses_no_run_number(export_root, chain):
    branches, products = chain
    pct, _nm = two_promos(branches, products)
    run_night(NIGHT)
    approve_revision(pct, targeting={"branches": [branches[0].pk]})
    before, runs = ledger_snapshot(), ExportRun.objects.count()
    # when a marketer previews the next night twice
    first = export_preview(business_date=NEXT)
    second = export_preview(business_date=NEXT)
    # then nothing was stored, no number used, and the answer is the same both times
    assert ledger_snapshot() == before and ExportRun.objects.count() == runs
    assert first == second
    assert run_night(NEXT).name == "20270111_01"


# --- the reconciliation equals the difference of the files -----------------------------------------

@pytest.fixture
def busy_nights(export_root, demo_user):
    """Night 1 with five promos; then a re-targeting, a removed line, a changed N+M, a changed
    fixed price, a cancellation and a new promo."""
    branches = [BranchFactory() for _ in range(4)]
    supplier = SupplierFactory(sap_vendor="0000900002")
    products = [ProductFactory(supplier=supplier) for _ in range(12)]
    every = {"branches": [branch.pk for branch in branches]}
    retargeted = approved_promo(products=products[0:3], targeting=every)
    corrected = approved_promo(products=products[3:6], targeting=every, mechanic=Promo.Mechanic.N_PLUS_M)
    repriced = approved_promo(products=products[6:8], targeting=every, mechanic=Promo.Mechanic.FIXED_PRICE)
    cancelled = approved_promo(products=products[8:10], targeting=every)
    untouched = approved_promo(products=products[10:11], targeting=every)
    first = run_night(NIGHT)
    approve_revision(retargeted, targeting={"branches": [branches[0].pk, branches[1].pk,
                                                         BranchFactory().pk]})
    approve_revision(corrected, remove=[products[5]], n=3)
    approve_revision(repriced, promo_price=Decimal("149.90"))
    Promo.objects.filter(pk=cancelled.pk).update(status=Promo.Status.CANCELLED)
    added = approved_promo(products=products[11:12], targeting=every, mechanic=Promo.Mechanic.N_PLUS_M)
    api = APIClient()
    api.force_authenticate(demo_user("marketer"))
    return {"first": first, "api": api, "promos": (retargeted, corrected, repriced, cancelled, untouched, added)}


def test_the_reconciliation_equals_the_difference_of_the_two_runs_files(busy_nights):
    first, api = busy_nights["first"], busy_nights["api"]
    # given the preview of the second night, asked before it runs
    preview = api.get("/api/v1/exports/preview/", {"date": NEXT.isoformat()})
    assert preview.status_code == 200
    # when the second night is exported
    second = run_night(NEXT)
    changes = api.get(f"/api/v1/exports/{second.pk}/changes/")
    assert changes.status_code == 200
    # then per file the counts are what comparing the two runs' files gives
    reported = {item["kind"]: item["records"] for item in changes.json()["files"]}
    for kind, read in READERS.items():
        counted = difference(read(first), read(second))
        assert reported[kind] == counted, kind
    assert any(counts["deleted"] for counts in reported.values())
    assert any(counts["changed"] for counts in reported.values())
    # and the preview said the same before the run
    assert {item["kind"]: item["records"] for item in preview.json()["files"]} == reported
    assert preview.json()["results"] == changes.json()["results"]
    # the third night repeats the deletions: counted as repeated, the rest unchanged
    third = run_night(NEXT + timedelta(days=1))
    reported = {item["kind"]: item["records"]
                for item in api.get(f"/api/v1/exports/{third.pk}/changes/").json()["files"]}
    for kind, read in READERS.items():
        assert reported[kind] == difference(read(second), read(third)), kind
    assert reported["smarket"]["repeated"] > 0 and reported["smarket"]["added"] == 0


def test_the_reconciliation_names_promos_and_what_changed(busy_nights):
    api = busy_nights["api"]
    retargeted, corrected, repriced, cancelled, untouched, added = busy_nights["promos"]
    second = run_night(NEXT)
    body = api.get(f"/api/v1/exports/{second.pk}/changes/").json()
    by_code = {entry["code"]: entry for entry in body["results"]}
    # every changed promo is listed, the untouched one is not
    assert set(by_code) == {p.code for p in (retargeted, corrected, repriced, cancelled, added)}
    files = {promo: {item["kind"]: item for item in entry["files"]} for promo, entry in by_code.items()}
    # re-targeting: branches added and removed
    smarket = files[retargeted.code]["smarket"]["detail"]
    assert len(smarket["codes_removed"]) == 2 and len(smarket["codes_added"]) == 1
    # the fixed price: old -> new
    assert files[repriced.code]["sap_cond"]["detail"]["lines_changed"] == {
        article: {"promo_price": ["199.90", "149.90"]}
        for article in sorted(files[repriced.code]["sap_cond"]["detail"]["lines_changed"])}
    # the removed line and the changed N
    bonus = files[corrected.code]["sap_bonusbuy"]["detail"]
    assert len(bonus["lines_removed"]) == 1
    assert {fields["n"][0] + "->" + fields["n"][1] for fields in bonus["lines_changed"].values()} == {"2->3"}
    # the cancelled promo goes away, the new one arrives
    assert files[cancelled.code]["setretail"]["detail"]["gone"] is True
    assert files[added.code]["smarket"]["detail"]["new"] is True
    # one promo only, and one file only
    one = api.get(f"/api/v1/exports/{second.pk}/changes/", {"promo": repriced.code, "kind": "sap_cond"}).json()
    assert [entry["code"] for entry in one["results"]] == [repriced.code]
    assert [item["kind"] for item in one["results"][0]["files"]] == ["sap_cond"]


CHANGES = {
    "retargeting": lambda promo, branches, products: approve_revision(
        promo, targeting={"branches": [branches[0].pk, branches[1].pk]}),
    "removed line": lambda promo, branches, products: approve_revision(promo, remove=[products[1]]),
    "rejected line": lambda promo, branches, products: approve_revision(promo, reject=[products[1]]),
    "cancellation": lambda promo, branches, products: Promo.objects.filter(pk=promo.pk).update(
        status=Promo.Status.CANCELLED),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_change_deletes_in_all_four_files_until_the_sent_period_ends(export_root, chain, change):
    branches, products = chain
    pct, nm = two_promos(branches, products)
    first = run_night(NIGHT)
    # given the change on both promos after the first night
    for promo in (pct, nm):
        CHANGES[change](promo, branches, products)
    # when the next nights are exported
    nights = [run_night(NEXT), run_night(END)]
    after_end = run_night(END + timedelta(days=1))
    # then every file of the next night and of the last day of the period carries deletions of
    # records the first night sent (Set Retail: reduced or deleted actions), the same both nights
    for kind, read in READERS.items():
        sent = {key for key, (action, _value) in read(first).items() if action != "D"}
        for run in nights:
            records = read(run)
            if kind == "setretail":
                before = read(first)
                assert records and all(records[code] != before[code] for code in records), (change, kind)
                assert {action for action, _v in records.values()} == ({"D"} if change == "cancellation" else {"I"})
            else:
                assert deletions(records) and deletions(records) <= sent, (change, kind)
        assert deletions(read(nights[0])) == deletions(read(nights[1])), (change, kind)
        # and once the period that was sent has ended nothing is deleted any more
        assert deletions(read(after_end)) == set(), (change, kind)
    assert not ExportLedgerEntry.objects.exists()
