"""Problems: every contract code has a clear message, params fill it, records are hashable."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from promo.services.imports.problems import (
    ERROR_CODES,
    MESSAGES,
    PARAMS,
    SERVICE_CODES,
    VARIANTS,
    WARNING_CODES,
    FileProblem,
    Problem,
    problem_record,
    stored_problems,
)

# samples/README.md, «The import contract», plus end_in_past (promo/rules.py: a sheet says an
# end in the past as a correction does).
CONTRACT_ERRORS = {
    "end_in_past",
    "file_unreadable", "file_empty", "file_duplicate", "header_missing", "value_required",
    "product_not_found", "product_other_supplier", "supplier_unknown", "barcode_checksum",
    "article_barcode_mismatch", "mechanic_unknown", "discount_out_of_range", "price_invalid",
    "price_not_below_regular", "nplusm_invalid", "date_invalid", "period_reversed", "start_too_soon",
    "period_too_long", "compensation_out_of_range", "branch_unknown", "duplicate_conflict",
    # issue 14: the optional «План, шт» column holds whole units
    "quantity_invalid",
    # issue 11 (docs/development/import-reader.md, «Refused, never guessed»)
    "header_duplicate", "sheet_hidden", "sheets_ambiguous", "cell_error", "invisible_char", "digit_not_ascii",
    "text_too_long",
}
# issue 14: a line under the price floor (margin after compensation) is flagged at upload;
# issue 11: a hidden sheet holding a table is named when a visible one is read
# QA finding 9: the template's own example row is skipped, and said so
CONTRACT_WARNINGS = {"duplicate_merged", "name_mismatch", "regular_price_mismatch", "overlap", "margin_below_floor",
                     "sheet_hidden_skipped", "template_example_skipped", "name_cut_at_tills",
                     "rows_hidden_loaded", "period_changed"}


def test_every_contract_code_has_a_message_and_a_kind():
    assert ERROR_CODES == CONTRACT_ERRORS
    assert WARNING_CODES == CONTRACT_WARNINGS
    # and the rules only a correction or an extension can break are worded in the same table
    assert {"end_not_later"} == SERVICE_CODES
    assert set(MESSAGES) == CONTRACT_ERRORS | CONTRACT_WARNINGS | SERVICE_CODES


@pytest.mark.parametrize("code", sorted(CONTRACT_ERRORS | CONTRACT_WARNINGS | SERVICE_CODES))
def test_message_fills_every_documented_param(code):
    # given a problem with a value for each param its template uses
    params = {name: f"<{name}>" for name in PARAMS[code]}
    # when it is rendered
    message = Problem(code, 7, "Скидка, %", params).message
    # then every param shows, nothing is left as a placeholder, and it is Russian text
    for name in PARAMS[code]:
        assert f"<{name}>" in message
    assert "{" not in message and "…" not in message
    assert any("а" <= char <= "я" for char in message.lower())


def test_missing_param_never_breaks_the_message():
    assert Problem("barcode_checksum", 3).message.startswith("Штрихкод …: неверная контрольная цифра")


def test_barcode_message_names_the_barcode():
    problem = Problem("barcode_checksum", 3, "Штрихкод", {"value": "4602629073786"})
    assert problem.message.startswith("Штрихкод 4602629073786: неверная контрольная цифра")


def test_column_comes_from_the_problem_when_not_a_param():
    assert Problem("value_required", 13, "Скидка, %").message == "Не заполнено обязательное поле «Скидка, %»."


def test_reason_picks_the_specific_hint():
    # given file_unreadable problems for an .xls and a CSV renamed to .xlsx
    xls = Problem("file_unreadable", 0, params={"reason": "xls"}).message
    csv = Problem("file_unreadable", 0, params={"reason": "csv"}).message
    generic = Problem("file_unreadable", 0).message
    # then each tells what happened and how to fix it
    assert ".xls" in xls and "Книга Excel (.xlsx)" in xls
    assert "CSV" in csv
    # and a text file is not told its name ends in .xlsx (a .csv is refused by its content too)
    assert ".xlsx" not in csv.replace("(.xlsx)", "")
    assert "Сохраните файл в формате .xlsx (Книга Excel) и загрузите снова" in generic
    assert all(code in MESSAGES for code, _reason in VARIANTS)


def test_params_are_shown_as_a_user_reads_them():
    from datetime import date
    from decimal import Decimal

    message = Problem("period_reversed", 6, params={"start": date(2027, 7, 31), "end": date(2027, 7, 1)}).message
    assert message == "Дата окончания 01.07.2027 раньше даты начала 31.07.2027."
    # a discount as the promo page writes it: two decimals unless whole
    assert "15,50 %" in Problem("discount_out_of_range", 5, params={"value": Decimal("15.5"), "min": 1, "max": 90}).message
    assert "Скидка 95 %" in Problem("discount_out_of_range", 5, params={"value": Decimal("95.00"), "min": 1,
                                                                        "max": 90}).message
    assert "«Механика», «Начало»" in Problem("header_missing", 1, params={"missing": ["Механика", "Начало"]}).message


def test_as_dict_is_what_the_api_and_the_command_print():
    problem = Problem("mechanic_unknown", 8, "Механика", {"value": "Подарок"})
    assert problem.as_dict() == {
        "row": 8, "column": "Механика", "code": "mechanic_unknown",
        "message": "Механика «Подарок» не распознана. Допустимо: «Скидка %», «Цена» или N+M, например «2+1».",
    }


def test_problems_are_hashable_and_params_do_not_split_them():
    first = Problem("duplicate_merged", 26, params={"other_row": 8})
    same_cell = Problem("duplicate_merged", 26, params={"other_row": 9})
    assert first == same_cell
    assert len({first, same_cell, Problem("duplicate_merged", 27)}) == 2


def test_message_follows_the_active_language():
    problem = Problem("date_invalid", 11, "Начало", {"value": "31.02.2027"})
    with translation.override("ru"):
        russian = problem.message
    with translation.override("en"):
        english = problem.message
    # the English catalogue comes later; until then the Russian text is the fallback
    assert "31.02.2027" in russian and "31.02.2027" in english


def test_file_problem_carries_its_problem():
    error = FileProblem.make("file_unreadable", reason="broken")
    assert error.problem == Problem("file_unreadable", 0)
    assert error.problem.params == {"reason": "broken"}
    assert "повреждён" in error.problem.message


def test_a_zero_promo_price_is_explained_as_not_positive():
    # given the validator's problem for a promo price of 0
    problem = Problem("price_invalid", row=7, column="Промо-цена", params={"value": "0", "reason": "not_positive"})
    # then the message says the price must be above zero, not that it is not a number
    assert "больше нуля" in str(problem.message)
    assert "не является числом" not in str(problem.message)


@pytest.mark.parametrize("value", [Decimal("95.50"), Decimal("95.5"), Decimal("150.00"), Decimal("2E+2"), 95.5])
def test_a_stored_problem_reads_as_it_did_when_it_was_found(value):
    # given a problem found in a sheet, with a decimal and a date among its params
    problem = Problem("discount_out_of_range", 7, "Скидка, %", params={"value": value, "min": 1, "max": 90})
    overlap = Problem("overlap", 8, "Артикул", params={"promo": "P000001", "start": date(2027, 3, 1),
                                                       "end": date(2027, 3, 14)})
    # when it is stored on the upload and shown again later
    shown = stored_problems([problem_record(problem), problem_record(overlap)])
    # then the user reads the same message as on the day of the upload
    assert shown == [problem.as_dict(), overlap.as_dict()]


# --- numbers in the reader's language (QA finding 6) ------------------------------------------------

PRICE = Problem("price_not_below_regular", 7, "Промо-цена", {"price": Decimal("663.90"), "regular": Decimal("653.9")})
FLOOR = Problem("margin_below_floor", 9, "Артикул", {
    "value": "A100005", "margin": Decimal("1.31"), "floor": Decimal("10"), "shortfall": Decimal("8.69"),
    "shortfall_rub": Decimal("0.5")})
REGULAR = Problem("regular_price_mismatch", 8, "Регулярная цена", {"value": Decimal("1281.9"),
                                                                    "expected": Decimal("1290")})


@pytest.mark.parametrize(("language", "price", "floor", "regular"), [
    ("ru", "Промо-цена 663,90 не ниже регулярной цены 653,90",
     "маржа сети после компенсации 1,31 % ниже порога 10,00 % — не хватает 8,69 п.п. (0,50 ₽ за шт.)",
     # thousands grouped as the promo page and «Мои товары» write them
     "Регулярная цена 1\xa0281,90 отличается от цены в каталоге 1\xa0290,00"),
    ("en", "Promo price 663.90 is not below the regular price 653.90",
     "margin after compensation 1.31 % is below the floor of 10.00 %: 8.69 pp short (0.50 ₽ per unit)",
     "Regular price 1,281.90 differs from the catalogue price 1,290.00"),
])
def test_money_and_percents_are_written_in_the_readers_language(language, price, floor, regular):
    # given problems with money and the floor's figures, stored on an upload in Russian
    with translation.override("ru"):
        records = [problem_record(problem) for problem in (PRICE, FLOOR, REGULAR)]
    # when they are shown to a reader in ``language``
    with translation.override(language):
        shown = [row["message"] for row in stored_problems(records)]
    # then money has two decimals and the floor the same two as the manager's refusal, each
    # with the language's decimal separator
    assert price in shown[0]
    assert floor in shown[1]
    assert regular in shown[2]


def test_stored_numbers_stay_machine_readable():
    # given problems stored on the upload
    # then their numbers are plain decimal text, whatever the language of the uploader
    with translation.override("en"):
        assert problem_record(PRICE)["params"] == {"price": "663.90", "regular": "653.9"}
    with translation.override("ru"):
        assert problem_record(FLOOR)["params"] == {"value": "A100005", "margin": "1.31", "floor": "10",
                                                   "shortfall": "8.69", "shortfall_rub": "0.5"}


def test_problems_stored_with_a_decimal_comma_are_shown_in_the_readers_language():
    # given a problem stored before numbers were written at display time («663,90»)
    record = {"row": 7, "column": "Промо-цена", "code": "price_not_below_regular", "message": "…",
              "params": {"price": "663,90", "regular": "653,90"}}
    # when an English reader opens the upload, then it reads the English number
    with translation.override("en"):
        assert "Promo price 663.90 is not below the regular price 653.90" in stored_problems([record])[0]["message"]


def test_a_correction_words_a_broken_price_rule_in_the_readers_language():
    # given a correction's promo price above the regular price (promo.rules)
    from promo import rules
    from promo.services.imports.problems import rule_message

    problem = rules.price_below_regular(Decimal("120"), Decimal("99.9"))
    # then it is worded with the reader's numbers
    with translation.override("ru"):
        assert "Промо-цена 120,00 не ниже регулярной цены 99,90" in rule_message(problem)
    with translation.override("en"):
        assert "Promo price 120.00 is not below the regular price 99.90" in rule_message(problem)


def test_a_number_param_beyond_any_price_is_shown_not_a_crash():
    # given a stored money param far beyond what two decimals can hold
    problem = Problem("price_not_below_regular", 7, "Промо-цена", {"price": "1E+999", "regular": "oops"})
    # then the message shows what it can, never an exception
    assert problem.message.startswith("Промо-цена 1E+999 не ниже регулярной цены oops:")
