"""python-calamine in a child process with a memory limit.

calamine turns a whole sheet into one dense array before the first row is handed over, sized by
the extreme cell references it meets: one value at XFD1048576 in a 3 KB file asks for 512 GB,
and Rust aborts the whole process when an allocation fails (a web worker, or the Celery worker
with every task it holds). So the portal never runs calamine in its own process: a child (this
file run as a script: the standard library and python_calamine, no Django) opens the workbook
under ``RLIMIT_AS`` and streams the rows back in pickled batches, one batch ahead of the reader.
A child that runs out of memory or time dies alone; the reader then reads the file with
openpyxl, which streams in flat memory.

The parent unpickles only plain values and the four ``datetime`` types.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import select
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

BATCH_ROWS = 2000
# For the benchmarks (Linux): the largest resident size a sandbox reached, and the largest sum of
# it and its parent's own peak so far when it ended (what the two held at most at the same time).
peak_memory_kb = 0
peak_with_parent_kb = 0
_HEADER = struct.Struct("<Q")
_ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta")}


class SandboxFailed(Exception):
    """The child could not give the sheet: ``kind`` is "memory" (it ran out, or died), "time"
    (no answer within the time limit), "text_cut" (a text at calamine's length limit, which may
    have been cut) or "broken" (calamine refused the file)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


@dataclass
class SheetInfo:
    name: str
    visible: str  # "visible", "hidden" or "veryhidden"


class CalamineSandbox:
    """One child per workbook: ``sheets`` lists its worksheets; ``open_sheet(name)`` loads one
    (the previous one is dropped) and returns its extent and a row iterator."""

    def __init__(self, path, *, memory_mb: int, timeout: float):
        self.timeout = timeout
        self._pending = False
        self._process = subprocess.Popen(
            [sys.executable, "-I", __file__, str(path), str(memory_mb * 1024 * 1024)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        try:
            message = self._receive()
            if message[0] != "meta":
                raise SandboxFailed("broken", "no workbook")
            self.sheets = [SheetInfo(name, visible) for name, visible in message[1]]
        except BaseException:
            self.close()
            raise

    # --- protocol -------------------------------------------------------------------------------

    def _send(self, message: tuple) -> None:
        data = pickle.dumps(message, protocol=5)
        try:
            self._process.stdin.write(_HEADER.pack(len(data)) + data)
            self._process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._died() from None

    def _read(self, size: int) -> bytes:
        handle = self._process.stdout
        chunks, left = [], size
        while left:
            ready, _w, _x = select.select([handle], [], [], self.timeout)
            if not ready:
                self.close()
                raise SandboxFailed("time")
            chunk = os.read(handle.fileno(), min(left, 1 << 20))
            if not chunk:
                raise self._died()
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _receive(self) -> tuple:
        (size,) = _HEADER.unpack(self._read(_HEADER.size))
        try:
            message = _Unpickler(io.BytesIO(self._read(size))).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, struct.error) as error:
            self.close()
            raise SandboxFailed("broken", str(error)) from None
        if message[0] == "error":
            self._pending = False  # the child waits for the next command
            raise SandboxFailed(message[1], message[2])
        return message

    def _died(self) -> SandboxFailed:
        self.close()
        return SandboxFailed("memory", "the reader process ended")

    def _drain(self) -> None:
        if self._pending:
            self._pending = False
            self._receive()

    # --- use ------------------------------------------------------------------------------------

    def open_sheet(self, name: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None,
                                             Iterator[tuple[int, tuple]]]:
        """(start, end, rows): the 0-based (row, column) corners of the sheet's values (None for
        an empty sheet) and its non-blank rows as (1-based row number, values padded to column A,
        "" read as None)."""
        self._drain()
        self._send(("sheet", name))
        _kind, start, end = self._receive()
        self._pending = True  # the first batch (or the end) is already on its way
        return start, end, self._rows()

    def _rows(self) -> Iterator[tuple]:
        try:
            while True:
                message = self._receive()
                self._pending = False
                if message[0] == "end":
                    return
                self._send(("more",))  # the child prepares the next batch while this one is read
                self._pending = True
                yield from message[1]
        except GeneratorExit:
            with contextlib.suppress(SandboxFailed):
                self._drain()
            raise

    def close(self) -> None:
        process = getattr(self, "_process", None)
        if process is None:
            return
        self._process = None
        _note_peak(process.pid)
        if process.poll() is None:
            process.kill()
        for handle in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                handle.close()
        process.wait()


def _high_water_kb(pid: int | str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _note_peak(pid: int) -> None:
    global peak_memory_kb, peak_with_parent_kb
    child = _high_water_kb(pid)
    peak_memory_kb = max(peak_memory_kb, child)
    peak_with_parent_kb = max(peak_with_parent_kb, child + _high_water_kb("self"))


# calamine returns at most this many characters of a cell (Excel's limit), even when the file holds more.
EXCEL_MAX_TEXT = 32_767


class TextCut(Exception):
    """A text at calamine's length limit: it may have been cut."""


# --- the child ------------------------------------------------------------------------------------


def _child(path: str, memory_bytes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    inbox, outbox = sys.stdin.buffer, sys.stdout.buffer

    def send(message: tuple) -> None:
        data = pickle.dumps(message, protocol=5)
        outbox.write(_HEADER.pack(len(data)) + data)
        outbox.flush()

    def receive() -> tuple:
        header = inbox.read(_HEADER.size)
        if len(header) < _HEADER.size:
            raise SystemExit(0)
        return pickle.loads(inbox.read(_HEADER.unpack(header)[0]))

    def failure(error: BaseException) -> tuple:
        kind = "memory" if isinstance(error, MemoryError) else "text_cut" if isinstance(error, TextCut) else "broken"
        return ("error", kind, f"{type(error).__name__}: {error}")

    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        book = CalamineWorkbook.from_path(path)
        sheets = [(meta.name, str(meta.visible).rsplit(".", 1)[-1].lower())
                  for meta in book.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet]
    except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
        send(failure(error))
        return
    send(("meta", sheets))
    command = receive()
    while command[0] == "sheet":
        sheet = None
        try:
            sheet = book.get_sheet_by_name(command[1])
            start, end = sheet.start, sheet.end
        except BaseException as error:  # noqa: BLE001
            send(failure(error))
            command = receive()
            continue
        send(("start", start, end))
        command = ("more",)
        try:
            if start is not None:
                padding = (None,) * start[1]
                batch = []
                for number, values in enumerate(sheet.iter_rows(), start=1):
                    row = tuple(None if value == "" else value for value in values) if "" in values \
                        else tuple(values)
                    if not any(value is not None for value in row):
                        continue  # a blank row costs the pipe nothing: rows carry their number
                    if any(value.__class__ is str and len(value) >= EXCEL_MAX_TEXT for value in row):
                        # calamine cuts a text at Excel's cell limit: whether this one was cut,
                        # only a reader that does not cut can tell
                        raise TextCut(number)
                    batch.append((number, padding + row))
                    if len(batch) >= BATCH_ROWS:
                        send(("rows", batch))
                        batch = []
                        command = receive()
                        if command[0] != "more":
                            break
                if command[0] == "more" and batch:
                    send(("rows", batch))
                    command = receive()
        except BaseException as error:  # noqa: BLE001
            send(failure(error))
            command = receive()
            continue
        if command[0] == "more":
            send(("end",))
            command = receive()
    # "quit", or the parent went away


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]))
