"""Set Retail 10 delivery (erp-formats.md §4 "Delivery", §4.1 "Set10 answers"): the separate,
retryable step after a run, :func:`export_file_deliver` (upload, poll, act on the vendor's status)
and «Отправить заново» (:func:`export_file_resend`). exports/set10.py talks SOAP; this module
decides what to record, when to retry and whom to tell."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from exports import set10
from exports.models import ExportFile, ExportRun
from exports.services import ERROR_NOT_ALLOWED, EVENT_LIST_LIMIT, ExportError
from exports.wording import message, message_text
from promo.models import Promo, PromoEvent
from promo.models.promo import promo_pk_from_code
from promo.services.events import event_record
from suppliers.roles import is_marketer

ERROR_RESEND_NOT_SET10 = gettext_lazy("Заново отправить можно только файл Set Retail 10.")
ERROR_RESEND_OFF = gettext_lazy("Отправка в Set Retail 10 выключена (SET10_UPLOAD).")
ERROR_RESEND_RUN = gettext_lazy("Файл выгрузки, которая не выполнена, отправить нельзя.")
ERROR_RESEND_IN_FLIGHT = gettext_lazy("Файл уже отправляется в Set Retail 10: дождитесь результата.")
ERROR_RESEND_OLD = gettext_lazy("Заново можно отправить только последний файл Set Retail 10 ({name}): более старый вернул бы "
                               "на кассы устаревшие акции.")


def export_file_deliver(*, export_file: ExportFile) -> ExportFile:
    """Send a Set Retail file to Set10 and poll its package status (TI = the run id, or the id of
    a re-send); store the last answer next to the file (``<name>.status.xml``) and act on the
    vendor's status (erp-formats.md §4.1): in process -> poll again; correct -> delivered; invalid
    item / xml error -> rejected (final, every rejected action listed with its promo and
    message); package doesn't exist -> upload again on the next attempt; internal error / unknown
    status -> retried later; anything else -> failed with the raw answer kept. Raises
    :class:`set10.Set10Unavailable` when a retry later may help (the task retries). A file
    already uploaded is only polled again, never sent twice."""
    if export_file.delivery_status == ExportFile.Delivery.SUCCEEDED:
        return export_file
    base_url = settings.SET10_URL
    if not base_url:
        return _delivery_done(export_file, ExportFile.Delivery.FAILED, message("set10_url_missing"))
    run = export_file.run
    ti = export_file.delivery_ti or run.name
    ExportFile.objects.filter(pk=export_file.pk).update(delivery_attempts=F("delivery_attempts") + 1)
    export_file.refresh_from_db(fields=["delivery_attempts"])
    timeout = settings.SET10_TIMEOUT
    if export_file.uploaded_at is None:
        newer = _newer_set10_file(export_file)
        if newer is not None:
            # A later run of the same night went (or goes) meanwhile, e.g. the marketer's rerun
            # while Set10 was down: it is the whole night again, newer; sending this file after
            # it would bring back what it replaced (a cancelled promo, an old price).
            return _delivery_superseded(export_file, newer)
    try:
        if export_file.uploaded_at is None:
            set10.import_actions(base_url=base_url, data=export_file.path.read_bytes(), ti=ti, timeout=timeout)
            export_file.uploaded_at = timezone.now()
            export_file.save(update_fields=["uploaded_at", "updated_at"])
        status = None
        for attempt in range(max(1, settings.SET10_POLL_ATTEMPTS)):
            if attempt:
                time.sleep(settings.SET10_POLL_INTERVAL)
            status = set10.package_status(base_url=base_url, ti=ti, timeout=timeout)
            _store_answer(export_file, status.answer)
            if status.state != set10.PENDING:
                break
    except set10.Set10Unavailable as exc:
        _delivery_retrying(export_file, exc.detail)
        raise
    export_file.rejections = _rejections(status)
    # What is stored is data (exports/wording.py), worded for each reader; ``rejections``: the
    # rejected objects are listed after it.
    if status.state == set10.DELIVERED:
        return _delivery_done(export_file, ExportFile.Delivery.SUCCEEDED,
                              {**message("set10_status", status=status.label), "rejections": True})
    if status.state == set10.REJECTED:
        return _delivery_done(export_file, ExportFile.Delivery.REJECTED,
                              {**message("set10_rejected", ti=ti, status=status.label), "rejections": True})
    if status.state == set10.FAILED:
        raw = status.answer[:2000].decode("utf-8", "replace")
        return _delivery_done(export_file, ExportFile.Delivery.FAILED,
                              {**message("set10_unknown", ti=ti, status=status.label), "answer": raw})
    if status.state == set10.REUPLOAD:
        # The package was lost on Set10's side: the next attempt uploads the file again.
        export_file.uploaded_at = None
        export_file.save(update_fields=["uploaded_at", "rejections", "updated_at"])
        detail = message("set10_lost", ti=ti, status=status.label)
    elif status.state == set10.RETRY:
        detail = message("set10_retry", ti=ti, status=status.label)
    else:
        detail = message("set10_pending", ti=ti, attempts=settings.SET10_POLL_ATTEMPTS)
        if status.message:
            detail["note"] = status.label
    _delivery_retrying(export_file, detail)
    raise set10.Set10Unavailable(detail)


def export_file_delivery_give_up(*, export_file: ExportFile, detail: dict) -> ExportFile:
    """The last retry failed too (``detail``: why, a message as data): mark the delivery failed
    and tell the marketers."""
    return _delivery_done(export_file, ExportFile.Delivery.FAILED, detail)


def export_file_resend(*, export_file: ExportFile, actor) -> ExportFile:
    """«Отправить заново» (a marketer, page or API): upload the Set Retail file again as a new
    package (TI ``<run>-<n>``) and poll its status, e.g. after fixing what Set10 rejected. Only
    the latest Set Retail file may go again (an older one would bring back outdated actions),
    never while its delivery is under way."""
    if not is_marketer(actor):
        raise PermissionDenied(str(ERROR_NOT_ALLOWED))
    if export_file.kind != "setretail":
        raise ExportError(str(ERROR_RESEND_NOT_SET10), field="file")
    if not settings.SET10_UPLOAD:
        raise ExportError(str(ERROR_RESEND_OFF), field="file")
    from exports.tasks import export_set10_deliver

    with transaction.atomic():
        export_file = ExportFile.objects.select_for_update().select_related("run").get(pk=export_file.pk)
        run = export_file.run
        if run.status != ExportRun.Status.SUCCEEDED:
            raise ExportError(str(ERROR_RESEND_RUN), field="file")
        if export_file.in_flight:
            raise ExportError(str(ERROR_RESEND_IN_FLIGHT), field="file")
        latest = latest_set10_file()
        if latest is not None and latest.pk != export_file.pk:
            raise ExportError(str(ERROR_RESEND_OLD).format(name=latest.name), field="file")
        export_file.resends += 1
        export_file.delivery_ti = f"{run.name}-{export_file.resends + 1}"
        export_file.delivery_status = ExportFile.Delivery.PENDING
        export_file.delivery_message = {}
        export_file.rejections = []
        export_file.uploaded_at = None
        export_file.save(update_fields=["resends", "delivery_ti", "delivery_status", "delivery_message", "rejections",
                                        "uploaded_at", "updated_at"])
        transaction.on_commit(lambda: export_set10_deliver.delay(export_file.pk))
    return export_file


def latest_set10_file() -> ExportFile | None:
    """The Set Retail file of the newest succeeded run: what Set10 was meant to get last."""
    return (ExportFile.objects.filter(kind="setretail", run__status=ExportRun.Status.SUCCEEDED)
            .order_by("-run__created_at", "-run__pk").first())


def _newer_set10_file(export_file: ExportFile) -> ExportFile | None:
    """The Set Retail file of a later succeeded run of the same business date, if any."""
    run = export_file.run
    return (ExportFile.objects.filter(kind="setretail", run__status=ExportRun.Status.SUCCEEDED,
                                      run__business_date=run.business_date, run__pk__gt=run.pk)
            .select_related("run").order_by("-run__pk").first())


def _rejections(status: set10.PackageStatus) -> list[dict]:
    """The rejected objects of an answer, actions with their promo (page, API, mail)."""
    codes = {r.key for r in status.rejections if r.element == "AdvertisingAction"}
    pks = {code: promo_pk_from_code(code) for code in codes}
    names = dict(Promo.objects.filter(pk__in=[pk for pk in pks.values() if pk]).values_list("pk", "name")) \
        if pks else {}
    rows = []
    for rejection in status.rejections:
        pk = pks.get(rejection.key) if rejection.element == "AdvertisingAction" else None
        rows.append({"element": rejection.element, "key": rejection.key, "errortype": rejection.errortype,
                     "errormessage": rejection.errormessage, "promo_id": pk if pk in names else None,
                     "promo_name": names.get(pk, "")})
    return rows


def _store_answer(export_file: ExportFile, answer: bytes) -> None:
    path = export_file.path.with_name(export_file.name + ".status.xml")
    temp = path.with_name("." + path.name + ".part")
    temp.write_bytes(answer)
    os.replace(temp, path)


def _delivery_superseded(export_file: ExportFile, newer: ExportFile) -> ExportFile:
    """Not sent, on purpose: a newer Set Retail file replaces it (no alarm: nothing went wrong)."""
    export_file.delivery_status = ExportFile.Delivery.FAILED
    export_file.delivery_message = message("set10_superseded", file=newer.name, run=newer.run.name)
    export_file.save(update_fields=["delivery_status", "delivery_message", "updated_at"])
    return export_file


def _delivery_retrying(export_file: ExportFile, detail: dict) -> None:
    export_file.delivery_status = ExportFile.Delivery.RETRYING
    export_file.delivery_message = detail
    export_file.save(update_fields=["delivery_status", "delivery_message", "updated_at"])


def _delivery_done(export_file: ExportFile, state: str, detail: dict) -> ExportFile:
    export_file.delivery_status = state
    export_file.delivery_message = detail
    export_file.save(update_fields=["delivery_status", "delivery_message", "rejections", "updated_at"])
    if state in (ExportFile.Delivery.FAILED, ExportFile.Delivery.REJECTED):
        run = export_file.run
        # The run succeeded (its files are written); only the Set Retail delivery went wrong. The
        # event keeps it as data (``reason_message``: the activity log, ``message`` and ``errors``:
        # the mail), worded for each reader; ``reason`` is the portal's language, for the record.
        lead = message(detail.get("code", ""), **(detail.get("params") or {}))
        said = message("delivery_rejected" if state == ExportFile.Delivery.REJECTED else "delivery_failed",
                       run=run.name, file=export_file.name, reason=lead)
        with translation.override(settings.LANGUAGE_CODE):
            reason, event_reason = message_text(lead), message_text(said)
        errors = [message("set10_rejection", **row) for row in export_file.rejections]
        # The person who started the run hears of it too (promo/notifications/routing.py).
        event_record(kind=PromoEvent.Kind.EXPORT_FAILED, actor=run.started_by, internal=True,
                     reason=event_reason, payload={
                         "run_id": run.pk, "run": run.name, "date": run.business_date.isoformat(),
                         "file": export_file.name, "delivery": state, "reason": reason, "message": lead,
                         "reason_message": said,
                         "errors": errors[:EVENT_LIST_LIMIT], "errors_total": len(errors),
                     })
    return export_file
