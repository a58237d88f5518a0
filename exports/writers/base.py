"""What every writer shares: the streaming temp-file sink (hashing as it writes), the per-file
result that becomes a manifest entry, the description of a file's records that the export
ledger compares (:class:`Writer`), and text helpers for XML and CSV fields."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

FLUSH_PIECES = 8192
KOPECK = Decimal("0.01")


class FileSink:
    """Bytes go to ``.<name>.part`` in the target folder, in large buffered writes, and are hashed
    on the way. :meth:`commit` renames the finished file (``os.replace``, atomic on one file
    system); :meth:`discard` removes it. Nothing ever appears under the final name half-written."""

    def __init__(self, folder: Path, name: str):
        self.folder = Path(folder)
        self.name = name
        self.final_path = self.folder / name
        self.temp_path = self.folder / f".{name}.part"
        self.size = 0
        self._hash = hashlib.sha256()
        self._pieces: list[bytes] = []
        self._fh = open(self.temp_path, "wb")  # noqa: SIM115 (closed by close/discard)
        self.closed = False

    def write(self, piece: bytes) -> None:
        self._pieces.append(piece)
        if len(self._pieces) >= FLUSH_PIECES:
            self.flush()

    def write_pieces(self, pieces: list[bytes]) -> None:
        """Write many pieces at once (writers that batch their records themselves)."""
        self.flush()
        if pieces:
            data = b"".join(pieces)
            self._hash.update(data)
            self._fh.write(data)
            self.size += len(data)

    def flush(self) -> None:
        if self._pieces:
            data = b"".join(self._pieces)
            self._pieces.clear()
            self._hash.update(data)
            self._fh.write(data)
            self.size += len(data)

    def close(self) -> None:
        """Flush and close the temp file (it stays under its temp name until :meth:`commit`)."""
        if not self.closed:
            self.flush()
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self.closed = True

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def commit(self) -> None:
        self.close()
        os.replace(self.temp_path, self.final_path)

    def discard(self) -> None:
        if not self.closed:
            self._fh.close()
            self.closed = True
        self.temp_path.unlink(missing_ok=True)


@dataclass
class WriteResult:
    """What a writer reports about its file: the manifest counts (``deletions`` = records that
    are deletions), warnings and errors (messages as data, worded by their readers:
    exports/wording.py), the promos that have at least one record in it, and the
    wanted records it refused to write (``refused[promo code][key]`` = branch codes), which the
    ledger must not count as sent."""

    system: str
    kind: str
    name: str
    promos: int = 0
    lines: int = 0
    records: int = 0
    deletions: int = 0
    warnings: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    promo_ids: set[int] = field(default_factory=set)
    refused: dict[str, dict[str, set]] = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    size: int = 0
    sha256: str = ""

    def refuse(self, promo_code: str, key: str, codes) -> None:
        self.refused.setdefault(promo_code, {}).setdefault(key, set()).update(codes)


class Writer:
    """One file of one system: records + byte writer. Subclasses set ``system``, ``kind`` and
    ``prefix`` and implement :meth:`write`, which streams a :class:`~exports.records.Night` into a
    sink, and describe their records for the export ledger:

    - :meth:`wanted`: the promos of the selection this file carries;
    - a record key = :meth:`identity` (of the promo) + branch code + :meth:`line_key` (of the
      line); with ``granular = False`` a promo is one record (a Set Retail action);
    - :meth:`head_terms` / :meth:`line_terms`: the values the file writes for a record, compared
      to tell a changed record from an unchanged one (field name -> text).

    ``ledger_kind`` names the ledger of this file (the S-Market file written as Set10 XML keeps
    its own); ``skip_empty``: with nothing to send, write no file at all."""

    system = ""
    kind = ""
    prefix = ""
    extension = ""
    granular = True
    skip_empty = False

    @property
    def ledger_kind(self) -> str:
        return self.kind

    def file_name(self, run_name: str) -> str:
        return f"{self.prefix}_{run_name}.{self.extension}"

    def result(self, run_name: str) -> WriteResult:
        return WriteResult(system=self.system, kind=self.kind, name=self.file_name(run_name))

    def wanted(self, selection) -> list:
        return list(selection.promos)

    def identity(self, promo) -> str:
        return ""

    def line_key(self, line) -> str:
        return line.article

    def head_terms(self, promo) -> dict[str, str]:
        return {}

    def line_terms(self, promo, line) -> dict[str, str]:
        return {}

    def write(self, night, sink: FileSink, result: WriteResult) -> None:
        raise NotImplementedError


# Text helpers ---------------------------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escape element text; characters XML 1.0 cannot carry are dropped."""
    value = _XML_INVALID.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(value: str) -> str:
    """Escape an attribute value (double-quoted); line breaks and tabs become spaces."""
    value = xml_text(value).replace('"', "&quot;")
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def cut(value: str, length: int) -> str:
    return value[:length]


def two_decimals(value: Decimal) -> str:
    """Money or a percent: 2 decimals, half up, with a point (``319.90``, ``15.00``)."""
    return str(Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP))


def term(value) -> str:
    """A value as the ledger compares and shows it: money and percents with 2 decimals, dates
    ISO, nothing as an empty text."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return two_decimals(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
