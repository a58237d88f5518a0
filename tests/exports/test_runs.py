"""Export runs: numbering and folders, same data ⇒ same bytes, a failing writer leaves nothing
that looks complete, no query per promo."""

from __future__ import annotations

import errno
import json
from decimal import Decimal

import pytest

from exports.models import ExportRun
from exports.services import export_run
from exports.writers.smarket import SMarketWriter
from promo.models import Promo, PromoEvent
from tests.exports.conftest import NIGHT, approved_promo
from tests.factories import BranchFactory, ProductFactory, SupplierFactory, marketer

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_promos():
    branches = [BranchFactory() for _ in range(4)]
    targeting = {"branches": [b.pk for b in branches]}
    supplier = SupplierFactory()
    products = [ProductFactory(supplier=supplier) for _ in range(4)]
    return [
        approved_promo(products=products[:2], targeting=targeting),
        approved_promo(products=products[2:], targeting=targeting, mechanic=Promo.Mechanic.FIXED_PRICE),
        approved_promo(products=products[:3], targeting={"chain": True}, mechanic=Promo.Mechanic.N_PLUS_M),
    ]


def test_two_runs_on_the_same_data_give_identical_bytes(export_root, some_promos):
    # given approved promos; when the same night is exported twice
    first = export_run(business_date=NIGHT)
    second = export_run(business_date=NIGHT)
    # then the runs are numbered 01 and 02, in their own folders, with names carrying NN
    assert (first.name, second.name) == ("20270110_01", "20270110_02")
    assert (export_root / "20270110_01" / "manifest.json").is_file()
    assert (export_root / "20270110_02" / "manifest.json").is_file()
    one = {f.kind: (f.name, f.sha256, f.size) for f in first.files.all()}
    two = {f.kind: (f.name, f.sha256, f.size) for f in second.files.all()}
    assert set(one) == {"sap_cond", "sap_bonusbuy", "smarket", "setretail"}
    for kind in one:
        assert one[kind][0].endswith("_20270110_01." + one[kind][0].rsplit(".", 1)[1])
        assert two[kind][0] == one[kind][0].replace("_01.", "_02.")
        # and every file has the same sha256
        assert two[kind][1:] == one[kind][1:], kind


def test_a_writer_failing_midway_leaves_no_final_file_and_a_failed_run(export_root, some_promos, monkeypatch):
    # given the S-Market writer breaks after writing part of its file
    original = SMarketWriter._tail
    calls = {"n": 0}

    def broken(self, promo, line):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "диск переполнен")
        return original(self, promo, line)

    monkeypatch.setattr(SMarketWriter, "_tail", broken)
    user = marketer()
    # when a run is started
    run = export_run(business_date=NIGHT, actor=user)
    # then the run failed with the reason (the error's name; its text is in the log only), no
    # file, no temp file and no manifest remain
    assert run.status == ExportRun.Status.FAILED
    assert "Файлы выгрузки не удалось записать в папку выгрузок (ENOSPC)" in run.error
    assert "диск переполнен" not in run.error
    assert run.finished_at is not None
    assert run.files.count() == 0 and run.promo_rows.count() == 0
    folder = export_root / run.name
    assert not folder.exists() or list(folder.iterdir()) == []
    # and the marketers hear about it
    event = PromoEvent.objects.get(kind=PromoEvent.Kind.EXPORT_FAILED, payload__run_id=run.pk)
    assert event.actor == user
    assert event.payload["date"] == "2027-01-10" and "(ENOSPC)" in event.payload["reason"]
    # a rerun once the disk is fine succeeds with the next number
    monkeypatch.setattr(SMarketWriter, "_tail", original)
    rerun = export_run(business_date=NIGHT)
    assert rerun.status == ExportRun.Status.SUCCEEDED and rerun.number == run.number + 1


def test_a_bad_setting_fails_the_run_before_writing(export_root, some_promos, settings):
    settings.SAP_VAKEY_LAYOUT = "VKORG:4,KUNNR:10"
    run = export_run(business_date=NIGHT)
    assert run.status == ExportRun.Status.FAILED
    assert "SAP_VAKEY_LAYOUT" in run.error
    assert not (export_root / run.name).exists()


def test_only_the_requested_systems_are_written(export_root, some_promos):
    run = export_run(business_date=NIGHT, systems=("setretail",))
    assert list(run.files.values_list("kind", flat=True)) == ["setretail"]
    manifest = json.loads((export_root / run.name / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["systems"] == ["setretail"]
    assert [entry["name"] for entry in manifest["files"]] == ["set10_actions_20270110_01.xml"]


def test_an_existing_folder_on_disk_is_never_reused(export_root):
    (export_root / "20270110_01").mkdir(parents=True)
    run = export_run(business_date=NIGHT)
    assert run.name == "20270110_02"


def test_out_dir_replaces_the_export_root(export_root, tmp_path):
    run = export_run(business_date=NIGHT, out_dir=tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "20270110_01" / "manifest.json").is_file()
    assert run.folder == str(tmp_path / "elsewhere" / "20270110_01")


def _night_of(count: int) -> None:
    branches = [BranchFactory() for _ in range(3)]
    supplier = SupplierFactory()
    for index in range(count):
        mechanic = Promo.Mechanic.values[index % 3]
        approved_promo(products=[ProductFactory(supplier=supplier) for _ in range(3)],
                       targeting={"branches": [branches[index % 3].pk, branches[(index + 1) % 3].pk]},
                       mechanic=mechanic,
                       **({"discount_percent": Decimal(10 + index % 5)} if mechanic == Promo.Mechanic.PERCENT else {}))


@pytest.mark.parametrize("count", [6, 30])
def test_queries_do_not_grow_with_the_number_of_promos(export_root, django_assert_max_num_queries, count):
    # given approved promos of every mechanic with 3 lines each, on three different targetings
    _night_of(count)
    # when exported on a first night (the ledger is empty), then again after a third of them
    # lost a branch (deletions from the ledger), then the whole run takes a fixed number of queries
    with django_assert_max_num_queries(70):
        run = export_run(business_date=NIGHT)
    assert run.status == ExportRun.Status.SUCCEEDED
    assert run.promo_rows.count() == count
    for promo in Promo.objects.filter(approved_revision__isnull=False).order_by("pk")[::3]:
        revision = promo.approved_revision
        revision.targeting = {"branches": revision.targeting["branches"][:1]}
        revision.save(update_fields=["targeting"])
    with django_assert_max_num_queries(70):
        again = export_run(business_date=NIGHT)
    assert again.status == ExportRun.Status.SUCCEEDED
    assert again.files.get(kind="smarket").deletions > 0


def test_a_run_left_running_by_a_dead_worker_is_marked_failed_by_the_next_run(export_root, time_machine):
    # given a run that started two hours ago and never finished (its worker was killed)
    time_machine.move_to("2026-09-20 00:00:00+07:00")
    dead = export_run(business_date=NIGHT)
    ExportRun.objects.filter(pk=dead.pk).update(status=ExportRun.Status.RUNNING, finished_at=None)
    time_machine.move_to("2026-09-20 02:00:00+07:00")
    # when the next run starts
    export_run(business_date=NIGHT)
    # then the dead one is failed with a reason, and the failure is recorded for the marketers
    dead.refresh_from_db()
    assert dead.status == ExportRun.Status.FAILED
    assert "прервана" in dead.error
    assert PromoEvent.objects.filter(kind=PromoEvent.Kind.EXPORT_FAILED, payload__run_id=dead.pk).exists()
