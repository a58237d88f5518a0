"""What a user sees when a sheet has something wrong: a ``Problem`` (code, sheet row, column as
written in the file, params) whose message is rendered in the active language at the edge.

Every code of the import contract (samples/README.md) has a Russian message template in
``MESSAGES``; ``PARAMS`` documents which params each template uses. A few codes have more
specific variants chosen by ``params["reason"]`` (``VARIANTS``), e.g. ``file_unreadable`` for an
.xls file, a CSV renamed to .xlsx or a file above the size cap.

An upload stores its problems as records (:func:`problem_record`: the dict plus the params,
machine-readable: a Decimal as its plain text ``"663.90"``, a date as dd.mm.yyyy) and renders
them again in the active language (:func:`stored_problems`). Numbers are written only then, in
the reader's language (``NUMBER_PARAMS``): money with two decimals and percents as the rest of the
UI writes them (:mod:`promo.changes`), «663,90» in Russian and «663.90» in English.

It is the one code -> message table of the line and period rules (:mod:`promo.rules`) too: the
services render a broken rule with :func:`rule_message`, so a correction and a sheet that break
the same rule say it the same way. ``SERVICE_CODES`` are the rule codes only a correction or an
extension can give (a sheet has no «current end» to extend).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from promo.changes import money_text, percent_text
from promo.mechanics import plain_decimal

MESSAGES: dict[str, Any] = {
    # Errors about the file as a whole (row 0) or its header row.
    "file_unreadable": _(
        "Не удалось прочитать файл как книгу Excel. Сохраните файл в формате .xlsx (Книга Excel) "
        "и загрузите снова."
    ),
    "file_empty": _(
        "В файле нет строк с данными: под строкой заголовков ничего не заполнено. "
        "Заполните строки по шаблону и загрузите файл снова."
    ),
    "file_duplicate": _(
        "Этот файл уже загружен {uploaded_at}, загрузил {uploaded_by} (загрузка № {upload_id}). "
        "Повторно его загружать не нужно; чтобы что-то исправить, измените файл и загрузите его снова."
    ),
    "header_missing": _(
        "Не найдены обязательные колонки: {missing}. Строка заголовков должна быть в первых 20 "
        "строках листа; названия колонок можно взять из шаблона."
    ),
    "header_duplicate": _(
        "Колонка «{column}» встречается в строке заголовков несколько раз (колонки {columns}): "
        "непонятно, какую из них читать. Оставьте одну и загрузите файл снова."
    ),
    "sheet_hidden": _(
        "Таблица акций есть только на скрытом листе {sheets}, а скрытые листы не загружаются. "
        "Покажите лист (правой кнопкой по ярлычку листа → «Показать») или перенесите строки на "
        "видимый лист и загрузите файл снова."
    ),
    "sheets_ambiguous": _(
        "Таблица акций есть на нескольких листах: {sheets}. Непонятно, какой загружать: оставьте "
        "акции на одном листе (строки других перенесите на него) и загрузите файл снова."
    ),
    # Errors of a row or a cell.
    "value_required": _("Не заполнено обязательное поле «{column}»."),
    "cell_error": _(
        "В колонке «{column}» ошибка Excel «{value}» (например, от формулы), а не значение. "
        "Впишите значение или исправьте формулу и загрузите файл снова."
    ),
    "invisible_char": _(
        "В колонке «{column}» значение «{value}» содержит невидимый символ {char}. Удалите его "
        "(такие символы попадают в ячейку при копировании с сайтов и из писем) и загрузите файл снова."
    ),
    "digit_not_ascii": _(
        "«{value}» в колонке «{column}»: знак «{char}» похож на цифру, но это не цифра 0–9 "
        "(верхний индекс, полноширинная или арабская цифра). Наберите значение обычными цифрами."
    ),
    "text_too_long": _(
        "Текст в колонке «{column}» длиннее допустимого: {length} символов, а можно не больше "
        "{max}. Сократите его и загрузите файл снова."
    ),
    "product_not_found": _(
        "Товар {value} не найден в каталоге сети. Проверьте штрихкод и артикул или скопируйте их "
        "с листа «Мои товары» шаблона."
    ),
    "product_other_supplier": _(
        "Товар {value} числится за другим поставщиком: акцию можно загрузить только на свои товары."
    ),
    "supplier_unknown": _(
        "Поставщик «{value}» не найден. Укажите ИНН (10 или 12 цифр) или код поставщика, например S001."
    ),
    "barcode_checksum": _(
        "Штрихкод {value}: неверная контрольная цифра. Проверьте штрихкод по упаковке или по листу "
        "«Мои товары» шаблона."
    ),
    "article_barcode_mismatch": _(
        "Артикул {article} и штрихкод {ean} относятся к разным товарам. Оставьте верный или "
        "исправьте второй."
    ),
    "mechanic_unknown": _(
        "Механика «{value}» не распознана. Допустимо: «Скидка %», «Цена» или N+M, например «2+1»."
    ),
    "discount_out_of_range": _("Скидка {value} % вне допустимого диапазона: от {min} до {max} %."),
    "price_invalid": _(
        "«{value}» в колонке «{column}» не является числом. Укажите число, например 199,90."
    ),
    "price_not_below_regular": _(
        "Промо-цена {price} не ниже регулярной цены {regular}: цена по акции должна быть меньше."
    ),
    "nplusm_invalid": _(
        "Механика «{value}»: в N+M оба числа должны быть не меньше 1, например «2+1» "
        "(купи 2, третий в подарок)."
    ),
    "date_invalid": _(
        "Дата «{value}» не распознана или не существует. Укажите дату в виде дд.мм.гггг, "
        "например 01.06.2027."
    ),
    "period_reversed": _("Дата окончания {end} раньше даты начала {start}."),
    "start_too_soon": _(
        "Акция начинается {start}, а начать её можно не раньше {earliest}: заявка подаётся "
        "не менее чем за {days} дн. до старта."
    ),
    "period_too_long": _("Акция длится {length} дн., а допустимо не больше {max} дн. Разбейте её на части."),
    "compensation_out_of_range": _("Компенсация поставщика {value} % должна быть от 0 до 100 %."),
    "quantity_invalid": _(
        "«{value}» в колонке «{column}» — не целое число штук. Укажите план продаж в штуках, "
        "например 1200, или оставьте ячейку пустой."
    ),
    "end_in_past": _(
        "Дата окончания {end} уже прошла: акция должна закончиться не раньше сегодняшнего дня ({today})."
    ),
    "branch_unknown": _(
        "Филиал, регион или город «{value}» не найден. Укажите «Все», название региона или города "
        "либо коды филиалов через «;»."
    ),
    "duplicate_conflict": _(
        "Товар {value} уже есть в строке {other_row} этой же акции с другими условиями. "
        "Оставьте одну строку с верными условиями."
    ),
    # Warnings: the import goes on.
    "sheet_hidden_skipped": _(
        "Загружен лист «{read}». Скрытый лист «{sheet}» тоже содержит таблицу акций, но скрытые "
        "листы не загружаются: если нужны акции оттуда, перенесите их на видимый лист."
    ),
    "rows_hidden_loaded": _(
        "Скрытые в файле строки (вручную или фильтром) загружены, как и видимые: {rows}. Если их "
        "загружать не нужно, удалите эти строки из файла и загрузите его снова."
    ),
    "period_changed": _(
        "Акция «{name}» уже есть на другие даты: {promo} ({start} – {end}). Повторная загрузка не "
        "меняет даты акции: эти строки станут новым промо, а {promo} останется как было. Если оно "
        "больше не нужно, отзовите его (или попросите отмену, если оно уже согласовано)."
    ),
    "duplicate_merged": _("Строка повторяет строку {other_row} и объединена с ней."),
    "name_cut_at_tills": _(
        "Название акции длиннее {max} знаков ({length}): в кассы (S-Market, Set Retail 10) уйдёт "
        "только начало, первые {max}. Сократите название, если важен его конец."
    ),
    "template_example_skipped": _(
        "Строка — пример из шаблона («{value}»), она не загружена. Впишите свои акции в другие "
        "строки, а пример удалите."
    ),
    "name_mismatch": _(
        "Наименование «{value}» отличается от названия товара в каталоге «{expected}»; товар "
        "определён по штрихкоду или артикулу."
    ),
    "regular_price_mismatch": _(
        "Регулярная цена {value} отличается от цены в каталоге {expected}; в расчётах используется "
        "цена каталога."
    ),
    "overlap": _(
        "Товар {value} в эти же даты и в тех же филиалах уже участвует в акции {promo} "
        "({start} – {end})."
    ),
    "margin_below_floor": _(
        "Товар {value}: маржа сети после компенсации {margin} % ниже порога {floor} % — не хватает "
        "{shortfall} п.п. ({shortfall_rub} ₽ за шт.). Категорийный менеджер сможет принять строку "
        "только «ниже порога», с причиной."
    ),
    # Rules only a correction or an extension can break.
    "end_not_later": _("Новая дата окончания {value} должна быть позже текущей ({end})."),
}

ERROR_CODES = frozenset({
    "file_unreadable", "file_empty", "file_duplicate", "header_missing", "value_required",
    "product_not_found", "product_other_supplier", "supplier_unknown", "barcode_checksum",
    "article_barcode_mismatch", "mechanic_unknown", "discount_out_of_range", "price_invalid",
    "price_not_below_regular", "nplusm_invalid", "date_invalid", "period_reversed",
    "start_too_soon", "period_too_long", "compensation_out_of_range", "branch_unknown",
    "duplicate_conflict", "end_in_past", "quantity_invalid",
    # issue 11: nothing is lost without a word
    "header_duplicate", "sheet_hidden", "sheets_ambiguous", "cell_error", "invisible_char",
    "digit_not_ascii", "text_too_long",
})
WARNING_CODES = frozenset({"duplicate_merged", "name_mismatch", "regular_price_mismatch", "overlap",
                           "margin_below_floor", "sheet_hidden_skipped", "template_example_skipped",
                           "name_cut_at_tills", "rows_hidden_loaded", "period_changed"})
SERVICE_CODES = frozenset({"end_not_later"})
# The params that are numbers, per code, and how the reader's language writes them (at display
# time): money with two decimals (199,90 ₽ / 199.90 ₽); a line's discount or compensation as the
# promo page writes it (15, 15,50 %); the price floor's figures with two decimals, as the
# manager's refusal words them (promo.services.floor). Other numbers keep their digits, with the
# language's decimal separator.
NUMBER_PARAMS: dict[str, dict[str, Any]] = {
    "price_not_below_regular": {"price": money_text, "regular": money_text},
    "regular_price_mismatch": {"value": money_text, "expected": money_text},
    "margin_below_floor": {"margin": money_text, "floor": money_text, "shortfall": money_text,
                           "shortfall_rub": money_text},
    "discount_out_of_range": {"value": percent_text, "min": percent_text, "max": percent_text},
    "compensation_out_of_range": {"value": percent_text},
}

# More specific texts, chosen by params["reason"].
VARIANTS: dict[tuple[str, str], Any] = {
    # «Все; Томская область»: the chain has every branch, the region narrows nothing
    # (branches.targeting.Targeting.chain_with_picks; the targeting editor refuses it too).
    # «Томская область; кроме B0200» with B0200 in Kemerovo: an exclusion that does nothing
    # (branches.targeting.unreached_exclusions; the targeting editor refuses it too).
    ("branch_unknown", "exclusion_unreached"): _(
        "В колонке «{column}» исключены филиалы {value}, но указанные регионы, города, группы и филиалы "
        "их не включают, исключать их не из чего. Уберите их из «кроме …» или проверьте коды."
    ),
    ("branch_unknown", "chain_with_picks"): _(
        "«Все» в колонке «{column}» уже означает всю сеть, а рядом указано «{value}». Оставьте «Все» "
        "(исключения «кроме …» можно) или перечислите только регионы, города, группы и филиалы."
    ),
    ("price_invalid", "percent"): _(
        "«{value}» в колонке «{column}» не является числом. Укажите процент числом, например 15 или 15,5."
    ),
    ("price_invalid", "not_positive"): _(
        "Цена должна быть больше нуля, а в файле «{value}». Укажите промо-цену в рублях, например 199,90."
    ),
    ("file_unreadable", "too_large"): _(
        "Файл больше {max_mb} МБ. Разбейте его на несколько файлов поменьше и загрузите их по очереди."
    ),
    ("file_unreadable", "too_big_uncompressed"): _(
        "Содержимое файла после распаковки больше {max_mb} МБ: такой файл не обработать. Удалите "
        "лишние листы, картинки и пустые отформатированные строки или разбейте файл на части."
    ),
    ("file_unreadable", "too_many_rows"): _(
        "В листе больше {max_rows} строк с данными. Разбейте файл на несколько частей."
    ),
    ("file_unreadable", "too_many_columns"): _(
        "Лист «{sheet}» заполнен правее допустимого: значение в ячейке {cell}, а колонок может быть "
        "не больше {max}. Удалите лишнее справа от таблицы и загрузите файл снова."
    ),
    ("file_unreadable", "too_much_text"): _(
        "Ячейки книги содержат больше {max_mb} МБ текста (текст, повторённый во многих ячейках, "
        "считается в каждой). Удалите лишнее или разбейте файл на части."
    ),
    ("file_unreadable", "too_many_cells"): _(
        "В книге слишком много данных: {count} заполненных ячеек или строк текста, а обработать "
        "можно не больше {max}. Удалите лишние листы и данные или разбейте файл на части."
    ),
    ("price_invalid", "too_large"): _(
        "Число «{value}» в колонке «{column}» слишком большое. Проверьте значение: цены указываются "
        "в рублях, скидка и компенсация — в процентах."
    ),
    ("file_unreadable", "xls"): _(
        "Это файл старого формата Excel 97–2003 (.xls). Откройте его в Excel и сохраните как "
        "«Книга Excel (.xlsx)», затем загрузите снова."
    ),
    ("file_unreadable", "encrypted"): _(
        "Книга защищена паролем. Откройте её в Excel, снимите пароль (Файл → Сведения → Защитить "
        "книгу) и сохраните в формате .xlsx (Книга Excel)."
    ),
    ("file_unreadable", "ole"): _(
        "Это файл старого формата Excel (.xls) или книга, защищённая паролем. Снимите пароль, если "
        "он есть, и сохраните файл как «Книга Excel (.xlsx)»."
    ),
    ("file_unreadable", "csv"): _(
        # Whatever its name: a .csv is refused by its content too, not only one renamed to .xlsx.
        "Это текстовый файл (CSV или текст), а не книга Excel. Откройте его в Excel и сохраните "
        "как «Книга Excel (.xlsx)»."
    ),
    ("file_unreadable", "ods"): _(
        "Это таблица OpenDocument (.ods). Сохраните её в формате .xlsx (Книга Excel) и загрузите снова."
    ),
    ("file_unreadable", "not_workbook"): _(
        "Это архив или документ другого типа, а не книга Excel. Сохраните файл в формате .xlsx "
        "(Книга Excel) и загрузите снова."
    ),
    ("file_unreadable", "broken"): _(
        "Файл повреждён или загружен не полностью. Откройте его в Excel, сохраните в формате .xlsx "
        "(Книга Excel) заново и загрузите снова."
    ),
    ("file_empty", "no_sheets"): _(
        "В книге нет ни одного заполненного листа. Заполните лист по шаблону и загрузите файл снова."
    ),
    ("barcode_checksum", "length"): _(
        "Штрихкод {value}: нужен EAN-13 (13 цифр) или EAN-8 (8 цифр). Проверьте, что Excel не "
        "превратил его в число с потерей цифр: задайте колонке текстовый формат."
    ),
    ("cell_error", "formula"): _(
        "В ячейке {cell} (колонка «{column}») формула без вычисленного значения: откройте файл в "
        "Excel и сохраните его или вставьте значения вместо формул, затем загрузите файл снова."
    ),
    ("value_required", "ean_or_article"): _("Не заполнены ни «Штрихкод», ни «Артикул»: нужен хотя бы один."),
    ("date_invalid", "out_of_range"): _(
        "Дата {value} вне допустимого диапазона: акция должна проходить между {first} и {last}."
    ),
    # Two promos of the same sheet (promo.services.imports.overlaps.sheet_overlap_warnings).
    ("overlap", "sheet"): _(
        "Товар {value} в этом файле дважды в одни дни: в акции «{other}» ({other_start} – "
        "{other_end}, строка {other_row}) и в акции «{promo}» ({promo_start} – {promo_end}, "
        "строка {row}); общие дни {start} – {end}, общих филиалов: {branches}. Категорийный "
        "менеджер увидит конфликт этих акций и может отклонить одну: оставьте товар в одной "
        "акции или разведите даты или филиалы."
    ),
    ("overlap", "sheet_many"): _(
        "Товар {value} в этом файле дважды в одни дни: в акции «{other}» ({other_start} – "
        "{other_end}, строка {other_row}) и в акции «{promo}» ({promo_start} – {promo_end}, "
        "строка {row}); общие дни {start} – {end}, общих филиалов: {branches}. С этой строкой "
        "пересекаются и другие акции файла с этим товаром: ещё {more}. Категорийный менеджер "
        "увидит конфликт этих акций и может отклонить одну: оставьте товар в одной акции или "
        "разведите даты или филиалы."
    ),
    ("nplusm_invalid", "too_large"): _(
        "Механика «{value}»: в N+M каждое число должно быть не больше {max}, например «2+1» "
        "(купи 2, третий в подарок)."
    ),
}

# The params each message template uses ("column" comes from Problem.column when not given).
PARAMS: dict[str, tuple[str, ...]] = {
    code: tuple(
        sorted({name for _text, name, _spec, _conv in string.Formatter().parse(str(template)) if name})
    )
    for code, template in MESSAGES.items()
}


class _Missing(dict):
    """Format params; a param the caller did not pass shows as an ellipsis, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return "…"


def _display(value: Any) -> str:
    """A param as a user reads it: dates dd.mm.yyyy, decimals with the language's separator,
    lists joined."""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal | float) and Decimal(str(value)).is_finite():
        return format(Decimal(str(value)).normalize(), "f").replace(".", get_format("DECIMAL_SEPARATOR"))
    if isinstance(value, list | tuple | set | frozenset):
        # Texts (sheets, columns) in quotes; numbers (rows) as they are.
        return ", ".join(str(item) if isinstance(item, int) else f"«{_display(item)}»" for item in value)
    return str(value)


# A list param (sheet names, columns) names at most this many items, then «и ещё K»: a workbook
# of 3,000 sheets must not make a 26,000-character message (page, API, event, mail).
LIST_SHOWN = 10


def list_params(name: str, items: list | tuple) -> dict[str, Any]:
    """``{name: first LIST_SHOWN items, name_total: how many there are}``, for a problem's
    params: the record stays small and the message says how many more there are."""
    return {name: list(items[:LIST_SHOWN]), f"{name}_total": len(items)}


def _display_list(value: list | tuple | set | frozenset, total: Any) -> str:
    """A list param as the reader reads it: at most LIST_SHOWN items, then «и ещё K» (K from
    ``total`` when the stored list was already cut, else from the list itself)."""
    items = list(value)
    shown = items[:LIST_SHOWN]
    count = total if isinstance(total, int) and not isinstance(total, bool) and total >= len(items) else len(items)
    text = _display(shown)
    if count > len(shown):
        text += " " + gettext("и ещё %(count)s") % {"count": count - len(shown)}
    return text


def _number(value: Any) -> Decimal | None:
    """A number param as passed (Decimal, int, float) or as stored (``"663.90"``; ``"663,90"``
    in records stored before numbers were written at display time); None if it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "."))
        except ArithmeticError:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _display_param(code: str, name: str, value: Any, params: dict | None = None) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return _display_list(value, (params or {}).get(f"{name}_total"))
    write = NUMBER_PARAMS.get(code, {}).get(name)
    if write is not None and (number := _number(value)) is not None:
        try:
            return write(number)
        except ArithmeticError:  # beyond two decimals' precision: shown with its digits
            pass
    return _display(value)


@dataclass(frozen=True)
class Problem:
    """One error or warning. ``row`` is the sheet row as Excel numbers it (1-based; 0 = the file
    as a whole); ``column`` is the header text as written in the file ("" when none).

    ``params`` feed the message and are left out of equality and hashing, so a problem is
    hashable and two reports of the same code at the same cell are one."""

    code: str
    row: int
    column: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_warning(self) -> bool:
        return self.code in WARNING_CODES

    @property
    def message(self) -> str:
        """The message in the active language, with the params filled in."""
        reason = self.params.get("reason")
        template = VARIANTS.get((self.code, reason)) or MESSAGES.get(self.code)
        if template is None:
            return self.code
        values = _Missing({key: _display_param(self.code, key, value, self.params)
                           for key, value in self.params.items()})
        values.setdefault("column", self.column or "…")
        return str(template).format_map(values)

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


def rule_message(problem, column: str = "") -> str:
    """The message of a broken rule (a :class:`promo.rules.RuleProblem`) in the active language,
    as a sheet would word it; ``column`` names the field («Скидка, %»)."""
    return Problem(problem.code, 0, column, params=dict(problem.params)).message


class FileProblem(Exception):
    """A problem with the file as a whole (unreadable, empty, no header): nothing else can be
    checked, so it stops the import at once."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem

    @classmethod
    def make(cls, code: str, row: int = 0, **params: Any) -> FileProblem:
        return cls(Problem(code, row, params=params))


# --- stored on the upload -------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Message params as stored on the upload (JSON): a Decimal as its plain text (``"663.90"``,
    ``"95"``; written in the reader's language at display time), a date as dd.mm.yyyy."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if timezone.is_aware(value) \
            else value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return format(plain_decimal(value), "f") if value.is_finite() else str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    return value


def problem_record(problem: Problem) -> dict:
    """A problem as stored on the upload: its dict plus the params, so the message can be
    rendered again in another language."""
    record = problem.as_dict()
    record["params"] = {key: _jsonable(value) for key, value in problem.params.items()}
    return record


def problem_from_record(record: dict) -> Problem:
    return Problem(record.get("code", ""), record.get("row", 0), record.get("column", ""),
                   params=record.get("params") or {})


def stored_problems(records: list[dict]) -> list[dict]:
    """Stored problems with the message rendered in the active language."""
    return [problem_from_record(record).as_dict() for record in records or []]
