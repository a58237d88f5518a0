"""``manage.py import_promos``: acts with the given user's permissions, prints JSON or text,
and exits 0 accepted (or would be, with --dry-run), 1 rejected, 3 duplicate file."""

import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from promo.models import OutboxMessage, Promo, PromoEvent, PromoLine, PromoUpload
from suppliers.models import Product, Supplier
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
WORKBOOKS = Path(__file__).resolve().parents[2] / "data" / "workbooks"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("import_promos", *map(str, args), stdout=out, stderr=StringIO())
        return 0, out.getvalue()
    except SystemExit as exit_:
        return exit_.code, out.getvalue()


def sheet(tmp_path, rows, *, header=sheets.HEADER, name="promo.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(sheets.workbook_bytes(rows, header=header))
    return path


def products(code: str, count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code=code).order_by("article")[:count])


def test_accepted_exit_0_with_the_json_keys(tmp_path):
    code, out = run(sheet(tmp_path, [line(p) for p in products("S001", 2)]), "--as", "s001", "--format", "json")
    body = json.loads(out)
    assert code == 0
    assert list(body) == ["ok", "upload_id", "rows", "lines", "promos", "errors", "warnings", "revisions", "sheet",
                          "status", "needs_confirmation"]
    assert (body["status"], body["needs_confirmation"], body["sheet"]) == ("imported", False, "Акции")
    assert (body["ok"], body["lines"], body["promos"]) == (True, 2, 1)
    assert PromoUpload.objects.get(pk=body["upload_id"]).uploaded_by.username == "s001"


def test_rejected_exit_1_with_every_error(tmp_path):
    rows = [line(p, **{"Скидка, %": 150}) for p in products("S001", 2)]
    code, out = run(sheet(tmp_path, rows), "--as", "s001", "--format", "json")
    body = json.loads(out)
    assert code == 1 and body["ok"] is False
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(2, "discount_out_of_range"),
                                                               (3, "discount_out_of_range")]
    assert not Promo.objects.exists()


def test_duplicate_file_exit_3(tmp_path):
    path = sheet(tmp_path, [line(p) for p in products("S001", 2)])
    assert run(path, "--as", "s001")[0] == 0
    code, out = run(path, "--as", "s001", "--format", "json")
    assert code == 3
    assert [e["code"] for e in json.loads(out)["errors"]] == ["file_duplicate"]


def test_a_supplier_user_acts_with_its_own_permissions(tmp_path):
    code, out = run(sheet(tmp_path, [line(products("S002", 1)[0])]), "--as", "s001", "--format", "json")
    assert code == 1
    assert [e["code"] for e in json.loads(out)["errors"]] == ["product_other_supplier"]


def test_a_marketer_imports_a_bulk_file_or_one_suppliers_sheet(tmp_path):
    bulk = [{"Поставщик": "S001", **line(p)} for p in products("S001", 1)]
    bulk += [{"Поставщик": "S002", **line(p)} for p in products("S002", 1)]
    code, out = run(sheet(tmp_path, bulk, header=sheets.BULK_HEADER, name="bulk.xlsx"), "--as", "marketer",
                    "--format", "json")
    assert code == 0 and json.loads(out)["promos"] == 2

    inn = Supplier.objects.get(code="S003").inn
    code, out = run(sheet(tmp_path, [line(products("S003", 1)[0])], name="s003.xlsx"), "--as", "marketer",
                    "--supplier", inn, "--format", "json")
    assert code == 0
    assert PromoUpload.objects.get(pk=json.loads(out)["upload_id"]).supplier.code == "S003"


def test_dry_run_saves_nothing_and_sends_nothing(tmp_path):
    path = sheet(tmp_path, [line(p) for p in products("S001", 3)])
    before = (Promo.objects.count(), PromoLine.objects.count(), PromoEvent.objects.count(),
              OutboxMessage.objects.count())

    code, out = run(path, "--as", "s001", "--dry-run", "--format", "json")

    body = json.loads(out)
    assert code == 0 and body["ok"] is True and body["lines"] == 3 and body["upload_id"] is None
    assert (Promo.objects.count(), PromoLine.objects.count(), PromoEvent.objects.count(),
            OutboxMessage.objects.count()) == before
    assert not PromoUpload.objects.exists() and mail.outbox == []
    # and the real run afterwards is not taken for a duplicate
    assert run(path, "--as", "s001")[0] == 0


def test_dry_run_of_a_bad_file_exits_1(tmp_path):
    code, _out = run(sheet(tmp_path, [line(products("S001", 1)[0], **{"Механика": "Подарок"})]),
                     "--as", "s001", "--dry-run")
    assert code == 1


def test_text_format_names_row_column_and_message(tmp_path):
    code, out = run(sheet(tmp_path, [line(products("S001", 1)[0], **{"Скидка, %": 150})]), "--as", "s001")
    assert code == 1
    assert "Отклонено" in out
    assert "строка 2, «Скидка, %») [discount_out_of_range]: Скидка 150 % вне допустимого диапазона" in out


def test_the_revisions_of_a_corrected_sheet_are_reported():
    assert run(WORKBOOKS / "s001_discount_clean.xlsx", "--as", "s001")[0] == 0
    code, out = run(WORKBOOKS / "s001_discount_corrected.xlsx", "--as", "s001", "--confirm")
    assert code == 0
    assert "новая ревизия (добавлено 1, удалено 1, изменено 2)" in out


def test_a_file_above_the_cap_exits_1_and_stores_nothing(tmp_path, settings):
    settings.PROMO_UPLOAD_MAX_BYTES = 100
    code, out = run(sheet(tmp_path, [line(products("S001", 1)[0])]), "--as", "s001", "--format", "json")
    assert code == 1 and json.loads(out)["errors"][0]["code"] == "file_unreadable"
    assert not PromoUpload.objects.exists()


@pytest.mark.parametrize("args", [
    ["--as", "nobody"],
    ["--as", "s001", "--supplier", "S002"],
    ["--as", "manager"],
])
def test_bad_arguments_are_clear_command_errors(tmp_path, args):
    with pytest.raises(CommandError):
        call_command("import_promos", str(sheet(tmp_path, [line(products("S001", 1)[0])])), *args,
                     stdout=StringIO())
    assert not PromoUpload.objects.exists()


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        call_command("import_promos", str(tmp_path / "nope.xlsx"), "--as", "s001")


def test_without_as_the_first_administrator_acts(tmp_path):
    bulk = [{"Поставщик": "S001", **line(p)} for p in products("S001", 1)]
    code, out = run(sheet(tmp_path, bulk, header=sheets.BULK_HEADER), "--format", "json")
    assert code == 0
    assert PromoUpload.objects.get(pk=json.loads(out)["upload_id"]).uploaded_by.username == "admin"
