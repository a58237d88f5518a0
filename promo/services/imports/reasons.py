"""An event's reason as its reader reads it (the promo's history, the activity log, mail): a
reason the portal wrote is worded again in the reader's language from what it stored; a reason
a person typed is shown as typed."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from promo.models import PromoEvent
from promo.payload_wording import payload_text
from promo.services.imports.problems import problem_from_record

# A corrected upload's revision (``saving``): the reason is stored as worded for the uploader.
CORRECTED_UPLOAD = _("Исправленная загрузка № %(upload)s")


def corrected_upload_reason(upload_id: int) -> str:
    return str(CORRECTED_UPLOAD) % {"upload": upload_id}


def _corrected_upload_texts(upload_id: int) -> set[str]:
    texts = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.add(corrected_upload_reason(upload_id))
    return texts


def event_reason(event) -> str:
    """A ``PromoEvent``'s reason for its reader, in the active language. An upload's refusal is
    worded again from the problem it stored (``payload["problem"]``, ``problems.problem_record``):
    its ``reason`` holds the text in the uploader's language, which a supplier reading Russian
    used to get in English. So is a corrected upload's revision («Исправленная загрузка № 12»,
    recognised in any language it may have been stored in). Another app's reason stored as data
    (``payload["reason_message"]``: an export's Set Retail delivery) is worded by that app
    (promo.payload_wording). Other reasons are what a person typed, shown as typed."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    record = payload.get("problem")
    if isinstance(record, dict):
        return problem_from_record(record).message
    worded = payload.get("reason_message")
    if isinstance(worded, dict):
        return payload_text(worded)
    if (event.kind == PromoEvent.Kind.REVISION_CREATED and event.upload_id
            and event.reason in _corrected_upload_texts(event.upload_id)):
        return corrected_upload_reason(event.upload_id)
    return event.reason
