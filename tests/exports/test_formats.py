"""Format details beyond the example: windows-1251 round trip, a larger case that must parse with
the right counts, FIX values, the configurable «verify» items."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from branches.models import Branch
from exports.models import ExportRun
from exports.services import export_run
from exports.wording import message_texts
from promo.models import Promo
from tests.exports.conftest import NIGHT, approved_promo, csv_rows, output, smarket_rows
from tests.factories import BranchFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def run_night(**kwargs) -> ExportRun:
    run = export_run(business_date=NIGHT, **kwargs)
    assert run.status == ExportRun.Status.SUCCEEDED, run.error
    return run


def test_smarket_windows_1251_round_trip_with_replacement_warning(export_root):
    # given a promo whose name has «ё», «№», a semicolon and a character windows-1251 lacks (✓)
    branch = BranchFactory()
    product = ProductFactory(article="ЁЖ-№1", regular_price=Decimal("99.99"))
    promo = approved_promo(products=[product], targeting={"branches": [branch.pk]},
                           name="Ёлки № 5; «лучшие» ✓ цены", discount_percent=Decimal("10.00"))
    # when exported
    run = run_night()
    raw = output(run, "smarket")
    # then the bytes are windows-1251 with CRLF and decode back to the same text, ✓ turned into «?»
    text = raw.decode("windows-1251")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[1][3] == "Ёлки № 5; «лучшие» ? цены"
    assert rows[1][6] == "ЁЖ-№1"
    assert rows[1][10:13] == ["99,99", "10,00", "89,99"]
    assert '"Ёлки № 5; «лучшие» ? цены"' in text  # quoted because of the semicolon
    # and the manifest says which character was replaced
    warnings = message_texts(run.files.get(kind="smarket").warnings)
    assert warnings == [f"Промо {promo.code}, PROMO_NAME: символы ✓ не представимы в windows-1251 и заменены на «?»."]


def test_smarket_encoding_and_decimal_point_are_settings(export_root, settings):
    settings.SMARKET_ENCODING = "utf-8"
    settings.SMARKET_DECIMAL = "."
    branch = BranchFactory()
    approved_promo(products=[ProductFactory(regular_price=Decimal("10.50"))], targeting={"branches": [branch.pk]},
                   name="Скидка ✓", discount_percent=Decimal("5.00"))
    run = run_night()
    text = output(run, "smarket").decode("utf-8")
    assert "Скидка ✓" in text
    assert ";10.50;5.00;9.98;" in text
    assert run.files.get(kind="smarket").warnings == []


def test_larger_case_parses_with_the_right_counts(export_root):
    # given three promos (PCT, FIX, N+M) of 5 products each on the whole chain, and two
    # percent promos on a region
    supplier = SupplierFactory()
    products = [ProductFactory(supplier=supplier) for _ in range(15)]
    pct = approved_promo(products=products[:5])
    fix = approved_promo(products=products[5:10], mechanic=Promo.Mechanic.FIXED_PRICE)
    nm = approved_promo(products=products[10:15], mechanic=Promo.Mechanic.N_PLUS_M)
    region = Branch.objects.get(code="B0001").region
    regional = approved_promo(products=products[5:7], targeting={"regions": [region.pk]},
                              discount_percent=Decimal("7.50"))
    open_branches = Branch.objects.open_on(NIGHT).count()
    in_region = Branch.objects.open_on(NIGHT).filter(region=region).count()
    # when exported
    run = run_night()
    files = {f.kind: f for f in run.files.all()}
    # then the SAP XML parses: one IDoc per condition type × plant × article
    cond = ElementTree.fromstring(output(run, "sap_cond"))
    idocs = cond.findall("IDOC")
    assert len(idocs) == (5 + 5) * open_branches + 2 * in_region
    assert files["sap_cond"].records == len(idocs)
    assert files["sap_cond"].promos == 3 and files["sap_cond"].lines == 12
    keys = [(i.findtext("E1KOMG/KSCHL"), i.findtext("E1KOMG/WERKS"), i.findtext("E1KOMG/MATNR")) for i in idocs]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {i.findtext("EDI_DC40/CREDAT") for i in idocs} == {"20270110"}
    fix_konp = next(i for i in idocs if i.findtext("E1KOMG/KSCHL") == "VKA0").find("E1KOMG/E1KONH/E1KONP")
    assert [(c.tag, c.text) for c in fix_konp] == [("KSCHL", "VKA0"), ("KBETR", "199.90"), ("KONWA", "RUB"),
                                                    ("KPEIN", "1"), ("KMEIN", "PCE")]
    # and the Set Retail XML: one action per promo, sorted by code, shops of each promo
    actions = ElementTree.fromstring(output(run, "setretail")).findall("AdvertisingAction")
    assert [a.get("external-code") for a in actions] == sorted(p.code for p in (pct, fix, nm, regional))
    by_code = {a.get("external-code"): a for a in actions}
    assert len(by_code[pct.code].findtext("shop-indices").split()) == open_branches
    assert len(by_code[regional.code].findtext("shop-indices").split()) == in_region
    assert len(by_code[pct.code].findall("actionResults/set/row/marking-of-the-good")) == 5
    assert len(by_code[fix.code].findall("actionResults/set")) == 5
    assert {r.get("fixedPrice") for r in by_code[fix.code].iter("row")} == {"199.90"}
    nm_rows = by_code[nm.code].findall("actionResults/set/row")
    assert [(r.get("requiedQuantity"), r.get("discountPercent")) for r in nm_rows[:2]] == [
        ("2.000", "0.00"), ("1.000", "100.00")]
    assert by_code[regional.code].find("actionResults/set").get("name") == f"{regional.code} -7.5%"
    assert files["setretail"].records == 4
    # the CSVs: bonus buys for N+M only, S-Market for everything
    assert len(csv_rows(run)) == 5 * open_branches == files["sap_bonusbuy"].records
    assert len(smarket_rows(run)) == 15 * open_branches + 2 * in_region == files["smarket"].records


def test_sap_verify_items_are_settings(export_root, settings):
    # given a chain whose SAP wants KBETR for % unsigned and ×10, padded numeric MATNR and its
    # own key layout and condition types
    settings.SAP_PCT_SIGN = "+"
    settings.SAP_PCT_SCALE = 10
    settings.SAP_MATNR_PAD = True
    settings.SAP_KSCHL_PCT = "ZPCT"
    settings.SAP_VAKEY_LAYOUT = "VKORG:4,WERKS:4,MATNR:18"
    branch = BranchFactory(sap_plant="77")
    approved_promo(products=[ProductFactory(article="12345")], targeting={"branches": [branch.pk]})
    # when exported
    run = run_night()
    komg = ElementTree.fromstring(output(run, "sap_cond")).find("IDOC/E1KOMG")
    # then the IDoc follows them
    assert komg.findtext("KSCHL") == "ZPCT"
    assert komg.findtext("VAKEY") == "100077  000000000000012345"
    assert komg.findtext("MATNR") == "000000000000012345"
    assert komg.findtext("E1KONH/E1KONP/KBETR") == "150.00"


def test_set10_verify_items_are_settings(export_root, settings):
    settings.SET10_GOOD_KEY = "ean"
    settings.SET10_PCT_ELEMENT = "goodsDiscount"
    settings.SET10_NPLUSM_MIX = True
    settings.SET10_PRIORITY = "5"
    settings.SET10_WORKS_ANY_TIME = True
    branch = BranchFactory()
    products = [ProductFactory() for _ in range(2)]
    pct = approved_promo(products=products, targeting={"branches": [branch.pk]})
    nm = approved_promo(products=products, targeting={"branches": [branch.pk]}, mechanic=Promo.Mechanic.N_PLUS_M)
    run = run_night()
    actions = {a.get("external-code"): a for a in ElementTree.fromstring(output(run, "setretail"))}
    assert actions[pct.code].get("priority") == "5" and actions[pct.code].get("worksAnyTime") == "true"
    discount = actions[pct.code].find("actionResults/goodsDiscount")
    assert discount.get("discountPercent") == "15.00"
    assert [g.get("id") for g in discount] == sorted(p.ean for p in products)
    sets = actions[nm.code].findall("actionResults/set")
    assert len(sets) == 1 and sets[0].get("name") == f"{nm.code} 2+1"
    assert [len(row) for row in sets[0]] == [2, 2]
    # the mix option is also the bonus buys' grant mode
    assert {row[13] for row in csv_rows(run)} == {"ANY_LISTED"}


def test_bonus_buy_can_carry_every_mechanic(export_root, settings):
    settings.SAP_BONUSBUY_ALL_MECHANICS = True
    branch = BranchFactory()
    pct = approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]})
    fix = approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]},
                         mechanic=Promo.Mechanic.FIXED_PRICE)
    nm = approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]},
                        mechanic=Promo.Mechanic.N_PLUS_M)
    run = run_night()
    header = output(run, "sap_bonusbuy").decode().split("\n")[0]
    assert header.endswith(";VENDOR;COND_KIND;COND_VALUE")
    rows = {row[1]: row for row in csv_rows(run)}
    assert rows[pct.code][-2:] == ["PCT", "15.00"] and rows[pct.code][10:12] == ["", ""]
    assert rows[fix.code][-2:] == ["FIX", "199.90"]
    assert rows[nm.code][-2:] == ["FREE", ""] and rows[nm.code][10:12] == ["2", "1"]


def test_smarket_can_be_written_as_set10_xml(export_root, settings):
    settings.SMARKET_FORMAT = "set10"
    branch = BranchFactory()
    approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]})
    run = run_night()
    smarket = run.files.get(system="smarket")
    assert smarket.name == "smarket_promo_20270110_01.xml"
    root = ElementTree.fromstring(output(run, "smarket"))
    assert root.findtext("AdvertisingAction/shop-indices") == str(branch.smarket_id)


def test_fixed_price_and_percent_values_in_smarket(export_root):
    branch = BranchFactory()
    product = ProductFactory(regular_price=Decimal("250.00"))
    approved_promo(products=[product], targeting={"branches": [branch.pk]}, mechanic=Promo.Mechanic.FIXED_PRICE,
                   promo_price=Decimal("199.90"), compensation_percent=Decimal("12.50"))
    rows = smarket_rows(run_night())
    assert rows[0][4] == "FIX"
    assert rows[0][10:17] == ["250,00", "", "199,90", "", "", rows[0][15], "12,50"]


def test_smarket_compensation_has_two_decimals_in_every_row_or_is_empty(export_root):
    # given three promos on one branch: compensation entered as 5, as 12.5, and none
    branch = BranchFactory()
    entered = {Decimal("5"): "5,00", Decimal("12.5"): "12,50", None: ""}
    codes = {}
    for compensation, shown in entered.items():
        promo = approved_promo(products=[ProductFactory(regular_price=Decimal("100.00"))],
                               targeting={"branches": [branch.pk]}, compensation_percent=compensation)
        codes[promo.code] = shown
    # when exported, then S-Market's COMPENSATION_PCT column has one format: 2 decimals or empty
    rows = smarket_rows(run_night())
    assert {row[1]: row[16] for row in rows} == codes


def test_sap_vakey_with_matnr_inside_the_key_and_a_too_long_article(export_root, settings):
    # given a condition table keyed VKORG, MATNR, WERKS and one article longer than MATNR's 18
    settings.SAP_VAKEY_LAYOUT = "VKORG:4,MATNR:18,WERKS:4"
    branch = BranchFactory(sap_plant="Z234")
    short = ProductFactory(article="A1")
    too_long = ProductFactory(article="A" * 19)
    approved_promo(products=[short, too_long], targeting={"branches": [branch.pk]})
    # when exported
    run = run_night()
    # then the key is padded inside, trailing spaces dropped, and the long article is an error
    idocs = ElementTree.fromstring(output(run, "sap_cond")).findall("IDOC")
    assert [i.findtext("E1KOMG/VAKEY") for i in idocs] == ["1000A1" + " " * 16 + "Z234"]
    cond = run.files.get(kind="sap_cond")
    assert cond.records == 1 and len(cond.errors) == 1 and too_long.article in message_texts(cond.errors)[0]


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+7 скидка", "-50% на всё", "@SUM(A1)", "\tТаб"])
def test_promo_names_in_the_csv_files_never_start_a_formula(export_root, name):
    # given promos whose names a spreadsheet would take for a formula (OWASP CSV injection)
    branch = BranchFactory()
    approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]}, name=name)
    approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]}, name=name,
                   mechanic=Promo.Mechanic.N_PLUS_M)
    # when exported
    run = run_night()
    # then the CSV cells carry the name behind an apostrophe (the XML files keep it as it is)
    expected = "'" + name
    assert {row[3] for row in smarket_rows(run)} == {expected}
    assert {row[2] for row in csv_rows(run)} == {expected[:40]}
    names = {a.get("name") for a in ElementTree.fromstring(output(run, "setretail"))}
    assert names == {name.replace("\t", " ")}


def test_sap_condition_unit_and_calculation_type_are_settings(export_root, settings):
    # given the IDoc unit differs from the bonus-buy file's and the calculation types are set
    settings.SAP_COND_UNIT = "KGM"
    settings.SAP_UNIT = "ST"
    settings.SAP_KRECH_PCT = "A"
    settings.SAP_KRECH_FIX = "C"
    branch = BranchFactory()
    approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]})
    approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]}, mechanic=Promo.Mechanic.FIXED_PRICE)
    approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]}, mechanic=Promo.Mechanic.N_PLUS_M)
    # when exported
    run = run_night()
    konps = {konp.findtext("KSCHL"): [(c.tag, c.text) for c in konp]
             for konp in ElementTree.fromstring(output(run, "sap_cond")).iter("E1KONP")}
    # then KRECH comes before KBETR, KMEIN is the IDoc unit, and the bonus buys keep their own unit
    assert konps["KA02"] == [("KSCHL", "KA02"), ("KRECH", "A"), ("KBETR", "-15.00"), ("KONWA", "%")]
    assert konps["VKA0"] == [("KSCHL", "VKA0"), ("KRECH", "C"), ("KBETR", "199.90"), ("KONWA", "RUB"),
                             ("KPEIN", "1"), ("KMEIN", "KGM")]
    assert {row[12] for row in csv_rows(run)} == {"ST"}


def test_sap_without_calculation_types_writes_no_krech_and_pce_by_default(export_root):
    branch = BranchFactory()
    approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]}, mechanic=Promo.Mechanic.FIXED_PRICE)
    konp = ElementTree.fromstring(output(run_night(), "sap_cond")).find("IDOC/E1KOMG/E1KONH/E1KONP")
    assert konp.find("KRECH") is None and konp.findtext("KMEIN") == "PCE"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SAP_KRECH_PCT", "AB", "SAP_KRECH_PCT: ожидается один знак"),
    ("SAP_COND_UNIT", "", "SAP_COND_UNIT: ожидается код единицы до 3 знаков"),
])
def test_a_bad_sap_setting_fails_the_run_with_its_name(export_root, settings, name, value, message):
    setattr(settings, name, value)
    run = export_run(business_date=NIGHT)
    assert run.status == ExportRun.Status.FAILED and message in run.error


def test_s4_long_fields_go_next_to_the_short_ones(export_root, settings):
    # given S/4HANA long fields and a condition table keyed by a 40-character MATNR
    settings.SAP_S4_LONG_FIELDS = True
    settings.SAP_VAKEY_LAYOUT = "VKORG:4,VTWEG:2,WERKS:4,MATNR:40"
    branch = BranchFactory(sap_plant="Z901")
    short = ProductFactory(article="A1")
    long_article = ProductFactory(article="L" * 30)
    approved_promo(products=[short, long_article], targeting={"branches": [branch.pk]})
    # when exported
    idocs = {i.findtext("E1KOMG/MATNR_LONG"): i.find("E1KOMG")
             for i in ElementTree.fromstring(output(run_night(), "sap_cond")).findall("IDOC")}
    # then the short fields are written where the value fits them, the long ones always
    fitting = idocs["A1"]
    assert fitting.findtext("VAKEY") == "100010Z901A1" and fitting.findtext("VAKEY_LONG") == "100010Z901A1"
    assert fitting.findtext("MATNR") == "A1"
    too_long = idocs["L" * 30]
    assert too_long.find("MATNR") is None and too_long.findtext("VAKEY_LONG") == "100010Z901" + "L" * 30
    assert too_long.findtext("VAKEY") == "100010Z901" + "L" * 30  # 40 characters still fit VAKEY's 50
    assert [child.tag for child in fitting][:12] == ["KVEWE", "KOTABNR", "KAPPL", "KSCHL", "VAKEY", "VAKEY_LONG",
                                                     "VKORG", "VTWEG", "WERKS", "MATNR", "MATNR_LONG", "E1KONH"]


def test_set10_action_guid_is_stable_per_promo(export_root, settings):
    settings.SET10_ACTION_GUID = True
    branch = BranchFactory()
    promo = approved_promo(products=[ProductFactory()], targeting={"branches": [branch.pk]})
    first = ElementTree.fromstring(output(run_night(), "setretail")).find("AdvertisingAction")
    again = ElementTree.fromstring(output(run_night(), "setretail")).find("AdvertisingAction")
    assert first.get("external-code") == promo.code
    assert first.get("AdvertActGUID") == again.get("AdvertActGUID")
    assert len(first.get("AdvertActGUID")) == 36
    assert list(first.attrib)[:3] == ["name", "external-code", "AdvertActGUID"]
