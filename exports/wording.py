"""What the exports tell people, stored as data and worded when read: the one home of the
export messages (a file's or a run's warnings and errors, a file not written, the answer of the
Set Retail 10 delivery).

A message is stored as a record ``{"code": "chars_replaced", "params": {...}}`` (:func:`message`)
in ``ExportRun.warnings`` / ``skipped[].reason``, ``ExportFile.warnings`` / ``errors`` /
``delivery_message`` and the payload of the export events, never as a text in one language. The
run page, the changes page, the API (``warnings``, ``errors``, ``skipped[].reason``,
``files[].delivery_detail``: texts, as before) and the mail word it in their reader's language
(:func:`message_text`); ``manifest.json``, written for the ERP next to the files, words it in the
portal's language (``settings.LANGUAGE_CODE``, Russian), so re-runs stay byte-identical.

Params are kept as they are meant, not as one language writes them: a system's code for its
label (``"sap"`` -> «SAP (завод WERKS)»), a list of promo codes with how many more there were,
a date in ISO. A record written before messages were data is a text: it is shown as it is.
A code this table no longer knows shows its params rather than nothing.

A failed run's reason (``ExportRun.failure``, the ``export_failed`` event's ``message``) is a
message too: a refused date, a setting a writer refuses (:class:`RunRefused`), the ledger moved
meanwhile, the files not written to disk, a run the reaper failed, or an unexpected error, which
keeps only its exception's class name (exports/failures.py; the text goes to the log)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# How many promos, plants... a message names before «и ещё N».
LIST_LIMIT = 10

MESSAGES = {
    # Warnings of the selection (a run's, and the dry run's).
    "unknown_mechanic": gettext_lazy("Промо {code}: неизвестная механика «{mechanic}» — не выгружено."),
    "no_open_branches": gettext_lazy("Промо {code}: на {date} нет открытых филиалов по его правилам — не выгружено."),
    # Warnings of a file.
    "branch_without_code": gettext_lazy("Филиал {branch} без кода {label} пропущен в промо {promos}."),
    "no_shop_codes": gettext_lazy("Промо {code}: ни у одного филиала нет кода {label} — акция не выгружена."),
    "chars_replaced": gettext_lazy(
        "Промо {code}, {column}: символы {chars} не представимы в {encoding} и заменены на «?»."),
    # Errors of a file (SAP COND_A04).
    "sap_key_too_long": gettext_lazy(
        "{value}: длиннее поля SAP (MATNR {matnr}, WERKS {werks} знаков) — {count} записей не выгружено."),
    "sap_periods_overlap": gettext_lazy(
        "KSCHL {kschl}, MATNR {matnr}: периоды промо {promos} пересекаются — ключ не выгружен в заводах {plants}."),
    "no_discount_percent": gettext_lazy("Промо {code}, {article}: нет процента скидки — не выгружено."),
    "no_promo_price": gettext_lazy("Промо {code}, {article}: нет промо-цены — не выгружено."),
    # A file not written.
    "set10_nothing_to_send": gettext_lazy(
        "Нет ни одной акции для {system}: файл не записан и ничего не отправлено (схема Set Retail 10 "
        "требует хотя бы одну акцию)."),
    # The Set Retail 10 delivery (exports/delivery.py, exports/set10.py).
    "set10_url_missing": gettext_lazy("Не задан адрес Set Retail 10 (SET10_URL)."),
    "set10_status": "{status}",
    "set10_pending": gettext_lazy("Set Retail 10 не сообщил результат пакета {ti} после {attempts} запросов статуса."),
    "set10_rejected": gettext_lazy("Set Retail 10 отклонил пакет {ti}: {status}."),
    "set10_lost": gettext_lazy("Set Retail 10 не знает пакет {ti} ({status}): файл будет отправлен снова."),
    "set10_retry": gettext_lazy("Set Retail 10 не смог принять пакет {ti} ({status}): повтор позже."),
    "set10_unknown": gettext_lazy(
        "Set Retail 10 ответил о пакете {ti} непонятно ({status}): ответ сохранён рядом с файлом."),
    "set10_http": gettext_lazy("Set10 ответил HTTP {code}: {detail}"),
    "set10_unreachable": gettext_lazy("Set10 недоступен: {error}"),
    "set10_fault": gettext_lazy("Set10 вернул SOAP Fault: {detail}"),
    "set10_superseded": gettext_lazy(
        "Не отправлен: Set Retail 10 получает более новый файл {file} (выгрузка {run}), он заменяет этот. "
        "Отправка этого файла вернула бы на кассы устаревшие акции."),
    "set10_not_base64": gettext_lazy("Set10 ответил не base64: {error}"),
    "set10_not_xml": gettext_lazy("Set10 ответил не XML: {error}"),
    # The event of a delivery that went wrong (the run itself succeeded); ``reason``: a message.
    "delivery_rejected": gettext_lazy("Выгрузка {run} выполнена, но Set Retail 10 отклонил её файл {file}: {reason}"),
    "delivery_failed": gettext_lazy("Выгрузка {run} выполнена, но её файл {file} не доставлен в Set Retail 10: {reason}"),
    # Why a run failed (ExportRun.failure; exports/failures.py). ``run_failed`` is the event's
    # reason, ``reason`` one of the others.
    "run_failed": gettext_lazy("Выгрузка {run} не удалась: {reason}"),
    "date_out_of_range": gettext_lazy("Дата выгрузки должна быть между {first} и {last}."),
    "sap_matnr_source": gettext_lazy("SAP_MATNR_SOURCE: ожидается article или ean, получено «{value}»."),
    "sap_pct_sign": gettext_lazy("SAP_PCT_SIGN: ожидается «-» или «+», получено «{value}»."),
    "sap_krech": gettext_lazy("{name}: ожидается один знак (вид расчёта KRECH), получено «{value}»."),
    "sap_cond_unit": gettext_lazy("SAP_COND_UNIT: ожидается код единицы до 3 знаков, получено «{value}»."),
    "sap_vakey_too_long": gettext_lazy("SAP_{name} «{value}» длиннее {width} знаков (SAP_VAKEY_LAYOUT)."),
    "sap_vakey_layout": gettext_lazy("SAP_VAKEY_LAYOUT: «{part}» не понят; ожидается ПОЛЕ:ширина, поля {fields}."),
    "sap_vakey_empty": gettext_lazy("SAP_VAKEY_LAYOUT пуст."),
    "smarket_format": gettext_lazy("SMARKET_FORMAT: ожидается csv или set10, получено «{value}»."),
    "smarket_encoding": gettext_lazy("SMARKET_ENCODING: неизвестная кодировка «{value}»."),
    "set10_good_key": gettext_lazy("SET10_GOOD_KEY: ожидается article или ean, получено «{value}»."),
    "set10_pct_element": gettext_lazy("SET10_PCT_ELEMENT: ожидается set или goodsDiscount, получено «{value}»."),
    # A note of «Что изменится на кассе» (a run's or a dry run's, never stored).
    "ledger_later_date": gettext_lazy(
        "Журнал отправленного последней изменила выгрузка {run} за более позднюю дату {date}. Сравнение — с тем, "
        "что системы уже получили, в том числе от неё: промо, которые она уже отправила, не новые; промо, которые "
        "начинаются после горизонта этой даты, остаются на кассах как отправлены (не удаляются и не отправляются "
        "снова)."),
    "ledger_moved": gettext_lazy("Пока шла выгрузка, журнал отправленного ({kind}) изменила выгрузка {run}: "
                                 "запустите выгрузку заново."),
    "run_not_written": gettext_lazy(
        "Файлы выгрузки не удалось записать в папку выгрузок ({error}): ничего не выложено. Проверьте "
        "место на диске и права на папку и запустите выгрузку снова."),
    "run_worker_lost": gettext_lazy(
        "Выгрузка прервана: обработчик остановился, не закончив работу (перезапусков: {restarts}). "
        "Файлы этой выгрузки не выложены; запустите её снова."),
    "run_superseded": gettext_lazy("Выгрузка прервана: за это время вышла более поздняя выгрузка той же даты."),
    "run_not_taken": gettext_lazy("Выгрузка не была взята в работу за {minutes} мин: очередь выгрузок не работает."),
    "run_crashed": gettext_lazy(
        "Выгрузка не удалась из-за внутренней ошибки ({error}): файлы не выложены. Запустите её снова; "
        "если ошибка повторится, сообщите администратору (подробности — в журнале сервера)."),
}

# The systems as messages name them (``label`` params).
SYSTEM_LABELS = {
    "sap": gettext_lazy("SAP (завод WERKS)"),
    "smarket": "S-Market",
    "setretail": "Set Retail",
    "setretail10": "Set Retail 10",
}
MORE = gettext_lazy(" и ещё {count}")
# The other objects Set10 names as rejected (erp-formats.md §4.1), as a marketer reads them.
REJECTED_OBJECTS = {
    "good": gettext_lazy("Товар {key}"),
    "internal-card": gettext_lazy("Внутренняя карта {key}"),
    "cashUser": gettext_lazy("Кассир {key}"),
}
# Params that hold a date (ISO), shown as 31.12.2099.
DATE_PARAMS = frozenset({"date", "first", "last"})


class RunRefused(ValueError):
    """A run cannot go on for a reason people can act on (a setting a writer refuses, the
    ledger moved meanwhile): ``record`` is the message the run fails with (exports/failures.py).
    As a text (the log, the command line) it reads in the portal's language."""

    def __init__(self, record: dict):
        super().__init__(record)
        self.record = record

    def __str__(self) -> str:
        from django.conf import settings
        from django.utils import translation

        with translation.override(settings.LANGUAGE_CODE):
            return message_text(self.record)


def message(key: str, /, **params) -> dict:
    """A message as stored: its code ``key`` and params (JSON values; a param may be named
    ``code``: a promo's)."""
    return {"code": key, "params": params}


def listed(items, limit: int = LIST_LIMIT) -> dict:
    """A list param: the first ``limit`` items and how many more there were."""
    items = list(items)
    return {"items": items[:limit], "more": max(0, len(items) - limit)}


def _list_text(value) -> str:
    if not isinstance(value, dict):
        return str(value)
    shown = ", ".join(str(item) for item in value.get("items") or [])
    if value.get("more"):
        shown += str(MORE).format(count=value["more"])
    return shown


def _param_text(name: str, value) -> str:
    if isinstance(value, dict) and "items" in value:
        return _list_text(value)
    if isinstance(value, dict) and "code" in value:
        return message_text(value)
    if name == "label":
        return str(SYSTEM_LABELS.get(value, value))
    if name in DATE_PARAMS and isinstance(value, str):
        try:
            return f"{date.fromisoformat(value):%d.%m.%Y}"
        except ValueError:
            return value
    return "" if value is None else str(value)


class _Params(dict):
    """Format params that name a missing one instead of failing (a record older than its text)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message_text(item) -> str:
    """A stored message in the active language; a text (a record from before) as it is."""
    if not isinstance(item, dict):
        return "" if item is None else str(item)
    code = item.get("code") or ""
    params = item.get("params") if isinstance(item.get("params"), dict) else {}
    if code == "text":
        return str(params.get("text") or "")
    if code == "set10_rejection":
        return rejection_text(params)
    template = MESSAGES.get(code)
    if template is None:
        shown = ", ".join(f"{name}={_param_text(name, value)}" for name, value in params.items())
        return f"{code}: {shown}" if shown else code
    return str(template).format_map(_Params({name: _param_text(name, value) for name, value in params.items()}))


def payload_wording(item: dict) -> str | None:
    """The wording of an export event's payload item for the mail
    (promo.payload_wording), None for an item that is not an export message."""
    code = item.get("code")
    if code in MESSAGES or code in ("text", "set10_rejection"):
        return message_text(item)
    return None


def message_texts(items) -> list[str]:
    """Stored messages (a list, or anything else as none) in the active language."""
    return [message_text(item) for item in items] if isinstance(items, list) else []


def skipped_rows(items) -> list[dict]:
    """``ExportRun.skipped`` with each ``reason`` in the active language."""
    if not isinstance(items, list):
        return []
    return [{**item, "reason": message_text(item.get("reason"))} if isinstance(item, dict) else item
            for item in items]


def delivery_text(export_file) -> str:
    """What Set Retail 10 answered about a file, in the active language: the stored message
    (``delivery_message``) with its ``note`` (the vendor's status, as sent), then, when it has
    ``rejections``, one line per object Set10 rejected, then its ``answer`` (the raw answer of an
    unknown status). A file answered before the answer was data keeps its text
    (``{"code": "text", "params": {"text": ...}}``)."""
    record = export_file.delivery_message
    if not isinstance(record, dict) or not record:
        return ""
    lines = [message_text(record)]
    if record.get("note"):
        lines[0] += f" {record['note']}"
    if record.get("rejections"):
        lines += [rejection_text(row) for row in export_file.rejections or [] if isinstance(row, dict)]
    if record.get("answer"):
        lines.append(str(record["answer"]))
    return "\n".join(line for line in lines if line)


def rejection_text(row: dict) -> str:
    """One object Set10 rejected, as a line of the delivery answer and the mail."""
    if row.get("element") == "AdvertisingAction":
        what = _("Промо {code}").format(code=row.get("key") or "—")
        if row.get("promo_name"):
            what += f" «{row['promo_name']}»"
    elif row.get("element") in REJECTED_OBJECTS:
        what = str(REJECTED_OBJECTS[row["element"]]).format(key=row.get("key") or "—")
    else:
        what = f"{row.get('element')} {row.get('key') or ''}".strip()
    problem = row.get("errormessage") or "—"
    if row.get("errortype"):
        problem += f" ({row['errortype']})"
    return f"{what}: {problem}"
