"""SOAP client for the Set Retail 10 ERP integration (erp-formats.md §4 "Delivery", §4.1): the
actions file goes base64-encoded as ``xmlData`` to ``importActionsWithTi`` with a package id as
``TI``, then ``getPackageStatus`` with ``<import ti="…"/>`` is polled until Set10 reports the
outcome.

The answer is read as the vendor sends it (its ``package-status-schema.xsd``): a
``package-status-response`` (or ``xmlGetstatus``) element, plain in the SOAP body or base64 in
``return``, holding ``import`` elements with ``ti``, ``status`` (a number) and ``status-message``;
rejected objects are child elements of ``import`` named after the object (``AdvertisingAction``
with ``external-code``, ``good`` with ``marking-of-the-good``, ``internal-card``, ``cashUser``),
each with ``errormessage`` and ``errortype``.

Only transport and reading are here (stdlib HTTP, no state); exports/delivery.py decides what to
record and when to retry."""

from __future__ import annotations

import base64
import binascii
import urllib.error
import urllib.request
from dataclasses import dataclass
from xml.etree import ElementTree

from exports.wording import message, message_text

ACTIONS_PATH = "/SET-ERPIntegration/AdvertisingActionsImport"
FEEDBACK_PATH = "/SET-ERPIntegration/SET/FeedbackWS"
ACTIONS_NS = "http://ws.discounts.ERPIntegration.crystals.ru/"
FEEDBACK_NS = "http://feedback.ERPIntegration.crystals.ru/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

# The vendor's package statuses (``status`` / ``status-message``, spelling as Set10 sends it).
STATUS_MESSAGES = {
    -1: "unknown status",
    0: "package doesn't exist",
    1: "xml error",
    2: "in process",
    3: "correct",
    4: "invalid item",
    5: "intermal server error happaned",
}
# What the portal does with each (erp-formats.md §4.1).
PENDING, DELIVERED, REJECTED, REUPLOAD, RETRY, FAILED = "pending", "delivered", "rejected", "reupload", "retry", "failed"
STATE_OF_STATUS = {-1: RETRY, 0: REUPLOAD, 1: REJECTED, 2: PENDING, 3: DELIVERED, 4: REJECTED, 5: RETRY}
# The attribute naming a rejected object (others: its first attribute that is not the error).
REJECTED_KEYS = ("external-code", "marking-of-the-good")
# Kept for callers of the earlier client.
SUCCEEDED = DELIVERED


class Set10Unavailable(Exception):
    """Set10 could not be reached or answered with an error: worth a retry later. ``detail`` is
    what to store of it, a message as data (exports/wording.py); the text is for logs."""

    def __init__(self, detail: dict):
        self.detail = detail
        super().__init__(message_text(detail))


@dataclass(frozen=True)
class Rejection:
    """One object Set10 refused: ``element`` (AdvertisingAction, good...), its ``key``
    (the action's external-code, the good's marking), ``errortype`` and ``errormessage``."""

    element: str
    key: str
    errortype: str
    errormessage: str


@dataclass(frozen=True)
class PackageStatus:
    """What ``getPackageStatus`` said: ``state`` (pending, delivered, rejected, reupload, retry,
    failed), the vendor's ``status`` number and ``message``, the rejected objects, the raw SOAP
    answer."""

    state: str
    status: int | None
    message: str
    rejections: tuple[Rejection, ...]
    answer: bytes

    @property
    def label(self) -> str:
        """``4 «invalid item»`` as people read it."""
        shown = f"«{self.message}»" if self.message else ""
        return " ".join(part for part in (str(self.status) if self.status is not None else "", shown) if part) or "—"


def _envelope(namespace: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="{namespace}">'
        f"<soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _post(url: str, payload: bytes, action: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, data=payload, method="POST", headers={
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": action,
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL from settings)
            return response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise Set10Unavailable(message("set10_http", code=exc.code, detail=detail)) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Set10Unavailable(message("set10_unreachable", error=str(exc))) from exc


def _ti(ti: str) -> str:
    return ti.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def import_actions(*, base_url: str, data: bytes, ti: str, timeout: float) -> bytes:
    """Send the actions file; returns the raw answer (a SOAP fault raises Set10Unavailable)."""
    encoded = base64.b64encode(data).decode("ascii")
    body = f"<ns:importActionsWithTi><xmlData>{encoded}</xmlData><TI>{_ti(ti)}</TI></ns:importActionsWithTi>"
    answer = _post(base_url.rstrip("/") + ACTIONS_PATH, _envelope(ACTIONS_NS, body),
                   ACTIONS_NS + "importActionsWithTi", timeout)
    fault = _find(_parse(answer), "Fault")
    if fault is not None:
        raise Set10Unavailable(message("set10_fault", detail=" ".join(fault.itertext()).strip()[:500]))
    return answer


def package_status(*, base_url: str, ti: str, timeout: float) -> PackageStatus:
    """Ask how the package ``ti`` went."""
    body = f'<ns:getPackageStatus><xmlGetstatus><import ti="{_ti(ti)}"/></xmlGetstatus></ns:getPackageStatus>'
    answer = _post(base_url.rstrip("/") + FEEDBACK_PATH, _envelope(FEEDBACK_NS, body),
                   FEEDBACK_NS + "getPackageStatus", timeout)
    fault = _find(_parse(answer), "Fault")
    if fault is not None:  # an error of the status service, not «nothing to say yet»
        raise Set10Unavailable(message("set10_fault", detail=" ".join(fault.itertext()).strip()[:500]))
    return read_status(answer, ti=ti)


def read_status(answer: bytes, *, ti: str | None = None) -> PackageStatus:
    """Interpret a getPackageStatus answer: the ``import`` of package ``ti`` (or the only one,
    when it names no package) with its status and rejected objects. An answer without an
    ``import`` for the package, e.g. only about another package (an earlier TI), means Set10 has
    nothing to say about this one yet (pending)."""
    root = _parse(answer)
    imports = [node for node in root.iter() if _local(node.tag) == "import"]
    if not imports:
        returned = _find(root, "return")
        if returned is not None:
            imports = [node for node in _payload(returned).iter() if _local(node.tag) == "import"]
    element = next((node for node in imports if ti is not None and node.get("ti") == ti), None)
    if element is None and len(imports) == 1 and (ti is None or not imports[0].get("ti")):
        element = imports[0]
    if element is None:
        return PackageStatus(PENDING, None, "", (), answer)
    message = (element.get("status-message") or "").strip()
    status = _status_number(element.get("status"), message)
    rejections = tuple(
        Rejection(element=_local(child.tag), key=_object_key(child), errortype=child.get("errortype") or "",
                  errormessage=child.get("errormessage") or "")
        for child in element if isinstance(child.tag, str)
    )
    state = STATE_OF_STATUS.get(status, FAILED) if status is not None else FAILED
    return PackageStatus(state, status, message, rejections, answer)


def _object_key(node) -> str:
    for name in REJECTED_KEYS:
        if node.get(name):
            return node.get(name)
    return next((value for name, value in node.attrib.items() if name not in ("errormessage", "errortype")), "")


def _payload(returned):
    """The document inside ``return``: its child element, XML text, or base64 of XML."""
    children = [child for child in returned if isinstance(child.tag, str)]
    if children:
        return children[0]
    text = (returned.text or "").strip()
    if not text:
        return returned
    if text.startswith("<"):
        return _parse(text.encode())
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Set10Unavailable(message("set10_not_base64", error=str(exc))) from exc
    return _parse(decoded)


def _status_number(value: str | None, message: str) -> int | None:
    """The ``status`` attribute as a number; without one, the number of a known message."""
    if value is not None and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    lowered = message.lower()
    return next((number for number, text in STATUS_MESSAGES.items() if text == lowered), None)


def _parse(data: bytes):
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise Set10Unavailable(message("set10_not_xml", error=str(exc))) from exc


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(root, name: str):
    for node in root.iter():
        if _local(node.tag) == name:
            return node
    return None
