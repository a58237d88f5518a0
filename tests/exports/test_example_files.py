"""The spec's example (erp-formats.md §5): each writer gives exactly the example's content. One
deliberate difference: S-Market's COMPENSATION_PCT is ``50,00`` where §5.3 shows ``50``, as the
column's own rule in §3 says ("2 decimals or empty"; docs/exports.md, «Format changes»)."""

from __future__ import annotations

import copy
from pathlib import Path
from xml.etree import ElementTree

import pytest

from exports.models import ExportRun
from exports.services import export_run
from tests.exports.conftest import EXAMPLE_DATE

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


def tree(element) -> tuple:
    """An element as nested tuples (tag, attributes, stripped text, children): compares XML
    after parsing, whitespace between elements aside."""
    return (element.tag, dict(element.attrib), (element.text or "").strip(), tuple(tree(child) for child in element))


def expected_sap_idocs() -> list[tuple]:
    """The example shows 2 of 6 IDocs and says the others differ only in WERKS/MATNR/VAKEY."""
    root = ElementTree.parse(DATA / "sap_cond_a04_20260920_01.example.xml").getroot()
    first, last = root.findall("IDOC")
    idocs = []
    for plant in ("1001", "1002", "1003"):
        for article in ("A100001", "A100002"):
            idoc = copy.deepcopy(first)
            komg = idoc.find("E1KOMG")
            komg.find("WERKS").text = plant
            komg.find("MATNR").text = article
            komg.find("VAKEY").text = f"100010{plant}{article}"
            idocs.append(tree(idoc))
    assert idocs[-1] == tree(last)  # the template reproduces the example's last IDoc
    return idocs


@pytest.fixture
def example_run(export_root, example_promos) -> ExportRun:
    # given the example's two promos and configuration; when the night of 20.09.2026 is exported
    run = export_run(business_date=EXAMPLE_DATE)
    assert run.status == ExportRun.Status.SUCCEEDED, run.error
    assert run.name == "20260920_01"
    return run


def test_sap_condition_idocs_match_the_example(example_run, export_root):
    # then the COND_A04 file carries exactly the example's 6 IDocs, in its order
    path = export_root / "20260920_01" / "sap_cond_a04_20260920_01.xml"
    root = ElementTree.parse(path).getroot()
    assert root.tag == "COND_A04"
    assert [tree(idoc) for idoc in root] == expected_sap_idocs()
    assert path.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<COND_A04>\n  <IDOC BEGIN="1">\n')


def test_sap_bonus_buy_csv_is_the_example_byte_for_byte(example_run, export_root):
    path = export_root / "20260920_01" / "sap_bonusbuy_20260920_01.csv"
    assert path.read_bytes() == (DATA / "sap_bonusbuy_20260920_01.csv").read_bytes()


def test_smarket_csv_is_the_example_in_windows_1251_with_crlf(example_run, export_root):
    path = export_root / "20260920_01" / "smarket_promo_20260920_01.csv"
    expected = (DATA / "smarket_promo_20260920_01.txt").read_text(encoding="utf-8")
    assert path.read_bytes() == expected.replace("\n", "\r\n").encode("windows-1251")


def test_set_retail_xml_is_the_example_byte_for_byte(example_run, export_root):
    path = export_root / "20260920_01" / "set10_actions_20260920_01.xml"
    assert path.read_bytes() == (DATA / "set10_actions_20260920_01.xml").read_bytes()


def test_manifest_lists_every_file_with_size_sha256_and_counts(example_run, export_root):
    import hashlib
    import json

    folder = export_root / "20260920_01"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"] == "20260920_01"
    assert manifest["business_date"] == "2026-09-20"
    entries = {entry["name"]: entry for entry in manifest["files"]}
    assert set(entries) == {"sap_cond_a04_20260920_01.xml", "sap_bonusbuy_20260920_01.csv",
                            "smarket_promo_20260920_01.csv", "set10_actions_20260920_01.xml"}
    for name, entry in entries.items():
        data = (folder / name).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["warnings"] == [] and entry["errors"] == []
    assert entries["sap_cond_a04_20260920_01.xml"]["records"] == {"promos": 1, "lines": 2, "records": 6, "deletions": 0}
    assert entries["sap_bonusbuy_20260920_01.csv"]["records"] == {"promos": 1, "lines": 2, "records": 6, "deletions": 0}
    assert entries["smarket_promo_20260920_01.csv"]["records"] == {"promos": 2, "lines": 4, "records": 12, "deletions": 0}
    assert entries["set10_actions_20260920_01.xml"]["records"] == {"promos": 2, "lines": 4, "records": 2, "deletions": 0}
    assert entries["smarket_promo_20260920_01.csv"]["system"] == "smarket"
    # the database holds the same figures
    assert {f.name: f.sha256 for f in example_run.files.all()} == {n: e["sha256"] for n, e in entries.items()}
    assert sorted(example_run.promo_rows.values_list("promo_id", "revision_number", "action")) == [
        (101, 1, "insert"), (102, 1, "insert")]
