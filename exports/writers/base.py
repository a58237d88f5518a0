"""What every writer shares: the streaming temp-file sink (hashing as it writes), the per-file
result that becomes a manifest entry, and text helpers for XML and CSV fields."""

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
    """What a writer reports about its file: the manifest counts, warnings and errors, and the
    promos that have at least one record in it."""

    system: str
    kind: str
    name: str
    promos: int = 0
    lines: int = 0
    records: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    promo_ids: set[int] = field(default_factory=set)
    size: int = 0
    sha256: str = ""


class Writer:
    """One file of one system. Subclasses set ``system``, ``kind`` and ``prefix`` and implement
    :meth:`write`, which streams the records of a selection into a sink."""

    system = ""
    kind = ""
    prefix = ""
    extension = ""

    def file_name(self, run_name: str) -> str:
        return f"{self.prefix}_{run_name}.{self.extension}"

    def result(self, run_name: str) -> WriteResult:
        return WriteResult(system=self.system, kind=self.kind, name=self.file_name(run_name))

    def write(self, selection, sink: FileSink, result: WriteResult) -> None:
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
