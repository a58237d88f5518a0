"""SOAP client for the Set Retail 10 ERP integration (erp-formats.md §4 "Delivery"): the actions
file goes base64-encoded as ``xmlData`` to ``importActionsWithTi`` with the run id as ``TI``, then
``getPackageStatus`` with ``<import ti="…"/>`` is polled until Set10 reports the outcome.

Only transport is here (stdlib HTTP, no state); exports/services.py decides what to record and
when to retry."""

from __future__ import annotations

import base64
import binascii
import urllib.error
import urllib.request
from dataclasses import dataclass
from xml.etree import ElementTree

from django.utils.translation import gettext as _

ACTIONS_PATH = "/SET-ERPIntegration/AdvertisingActionsImport"
FEEDBACK_PATH = "/SET-ERPIntegration/SET/FeedbackWS"
ACTIONS_NS = "http://ws.discounts.ERPIntegration.crystals.ru/"
FEEDBACK_NS = "http://feedback.ERPIntegration.crystals.ru/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

CORRECT = "correct"
SUCCEEDED, FAILED, PENDING = "succeeded", "failed", "pending"


class Set10Unavailable(Exception):
    """Set10 could not be reached or answered with an error: worth a retry later."""


@dataclass(frozen=True)
class PackageStatus:
    """What ``getPackageStatus`` said: ``state`` is succeeded, failed or pending; ``message`` the
    status text (with per-action errors if any); ``answer`` the raw SOAP response."""

    state: str
    message: str
    answer: bytes


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
        raise Set10Unavailable(_("Set10 ответил HTTP {code}: {detail}").format(code=exc.code, detail=detail)) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Set10Unavailable(_("Set10 недоступен: {error}").format(error=exc)) from exc


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
        raise Set10Unavailable(_("Set10 вернул SOAP Fault: {detail}").format(detail=" ".join(fault.itertext()).strip()[:500]))
    return answer


def package_status(*, base_url: str, ti: str, timeout: float) -> PackageStatus:
    """Ask how the package ``ti`` went."""
    body = f'<ns:getPackageStatus><xmlGetstatus><import ti="{_ti(ti)}"/></xmlGetstatus></ns:getPackageStatus>'
    answer = _post(base_url.rstrip("/") + FEEDBACK_PATH, _envelope(FEEDBACK_NS, body),
                   FEEDBACK_NS + "getPackageStatus", timeout)
    return read_status(answer)


def read_status(answer: bytes) -> PackageStatus:
    """Interpret a getPackageStatus answer. The ``import`` element may sit in the SOAP body or,
    base64-encoded, in its ``return`` element (both forms are seen in the field)."""
    root = _parse(answer)
    document = root
    element = _find(root, "import")
    if element is None:
        returned = _find(root, "return")
        if returned is not None and (returned.text or "").strip():
            try:
                decoded = base64.b64decode(returned.text.strip())
            except (binascii.Error, ValueError) as exc:
                raise Set10Unavailable(_("Set10 ответил не base64: {error}").format(error=exc)) from exc
            document = _parse(decoded)
            element = _find(document, "import")
    if element is None:
        return PackageStatus(PENDING, "", answer)
    message = (element.get("status-message") or "").strip()
    # Rejected objects come back one per element (InvalidAdvertisingActionInfo, InvalidProductInfo...).
    problems = [
        _local(node.tag) + ": " + " ".join(f"{key}={value}" for key, value in sorted(node.attrib.items()))
        for node in document.iter() if _local(node.tag).startswith("Invalid")
    ]
    if problems:
        return PackageStatus(FAILED, "; ".join(filter(None, [message, *problems])), answer)
    if message.lower() == CORRECT:
        return PackageStatus(SUCCEEDED, message, answer)
    # Anything else (an empty or interim message) is not final yet; the caller polls again and
    # gives up after its attempts, keeping the last message.
    return PackageStatus(PENDING, message, answer)


def _parse(data: bytes):
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise Set10Unavailable(_("Set10 ответил не XML: {error}").format(error=exc)) from exc


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(root, name: str):
    for node in root.iter():
        if _local(node.tag) == name:
            return node
    return None
