"""The ``export_erp`` command (printed manifest, exit codes) and the nightly Celery task."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core.management import call_command
from django.core.management.base import CommandError

from exports.models import ExportRun
from exports.tasks import export_nightly
from exports.writers.setretail import SetRetailWriter
from tests.exports.conftest import EXAMPLE_DATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_command(capsys, monkeypatch):
    """Run ``manage.py export_erp`` the way the shell does (``run_from_argv``: parsing, exit code,
    stderr); return (exit code, stdout, stderr). The command's closing of database connections
    is skipped so the test's transaction survives."""
    from django.db import connections

    from exports.management.commands.export_erp import Command

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*argv: str) -> tuple[int, str, str]:
        code = 0
        try:
            Command().run_from_argv(["manage.py", "export_erp", *argv])
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_command_prints_the_manifest_and_exits_0(export_root, example_promos, run_command):
    # given the spec's example; when the command exports its night for S-Market only
    code, out, err = run_command("--date", "2026-09-20", "--system", "smarket")
    # then it exits 0 and prints the manifest of the run
    assert code == 0, err
    manifest = json.loads(out)
    assert manifest["run"] == "20260920_01"
    assert [(f["name"], f["records"]["records"]) for f in manifest["files"]] == [
        ("smarket_promo_20260920_01.csv", 12)]
    assert manifest == json.loads((export_root / "20260920_01" / "manifest.json").read_text(encoding="utf-8"))


def test_command_out_dir(export_root, example_promos, run_command, tmp_path):
    code, out, _err = run_command("--date", "2026-09-20", "--out", str(tmp_path / "drop"))
    assert code == 0
    assert len(json.loads(out)["files"]) == 4
    assert (tmp_path / "drop" / "20260920_01" / "set10_actions_20260920_01.xml").is_file()


@pytest.mark.parametrize(("argv", "message"), [
    (("--date", "20.09.2026"), "Неверная дата «20.09.2026»"),
    (("--system", "1c"), "Неизвестная система «1c»"),
    (("--date", "9999-01-01"), "Дата выгрузки должна быть между 01.01.2000 и 31.12.2099"),
])
def test_command_refuses_bad_input_with_exit_1(export_root, run_command, argv, message):
    code, out, err = run_command(*argv)
    assert code == 1
    assert out == ""
    assert message in err
    assert ExportRun.objects.count() == 0


def test_command_reports_a_failed_run_on_stderr(export_root, example_promos, run_command, monkeypatch):
    def broken(self, promo, shops):
        raise RuntimeError("нет места на диске")

    monkeypatch.setattr(SetRetailWriter, "_action", broken)
    code, out, err = run_command("--date", "2026-09-20")
    assert code == 1 and out == ""
    # the reason names the error's kind; its own text is for the server log, not the operator's screen
    assert "Выгрузка 20260920_01 не удалась: Выгрузка не удалась из-за внутренней ошибки (RuntimeError)" in err
    assert "нет места на диске" not in err
    assert ExportRun.objects.get().status == ExportRun.Status.FAILED


def test_call_command_raises_command_error_on_failure(export_root):
    with pytest.raises(CommandError):
        call_command("export_erp", "--system", "nothing")


def test_nightly_task_exports_todays_business_date(export_root, example_promos):
    # given it is 02:00 on 20.09.2026 local time (still the 19th in UTC)
    moment = datetime(2026, 9, 20, 2, 0, tzinfo=ZoneInfo("Asia/Novosibirsk"))
    with time_machine.travel(moment, tick=False):
        # when beat fires the nightly task
        run_id = export_nightly.delay().get()
    # then the run is the night of 20.09.2026, started by nobody, with every system
    run = ExportRun.objects.get(pk=run_id)
    assert run.business_date == EXAMPLE_DATE
    assert run.started_by is None and run.is_nightly
    assert run.status == ExportRun.Status.SUCCEEDED
    assert run.systems == ["sap", "smarket", "setretail"]
    assert run.files.count() == 4


def test_nightly_task_is_scheduled_at_export_nightly_at(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["exports-nightly"]
    assert entry["task"] == export_nightly.name
    hour, minute = settings.EXPORT_NIGHTLY_AT.split(":")
    assert entry["schedule"] == crontab(hour=int(hour), minute=int(minute))
    assert settings.EXPORT_NIGHTLY_AT == "02:00"
