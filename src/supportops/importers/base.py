"""What every importer shares: streaming readers, time parsing, positions and progress.

An importer is a class with a ``name`` and a ``records(paths)`` generator that yields canonical
records (:mod:`supportops.model`). While it reads, it keeps ``self.position`` pointing at the
file and line (or record number) it is on, so any error, raised by the importer or later by the
store writer, names the place to fix. Readers here never load a whole file: CSV and JSON Lines
stream row by row, and progress is reported in bytes read.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportops.errors import InputError, RowError
from supportops.model import Record
from supportops.store.writer import EventBatch, Position

# Ticket text can be long (a pasted log); the csv module's default limit is 128 KiB per field.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class Progress(Protocol):
    """Receives how far an import has read. The CLI draws a Rich bar from it."""

    def start(self, label: str, total: int | None) -> None: ...

    def update(self, completed: int) -> None: ...


class NullProgress:
    def start(self, label: str, total: int | None) -> None:
        pass

    def update(self, completed: int) -> None:
        pass


@dataclass(slots=True)
class ImportOptions:
    """What the user told the importer beyond the paths.

    ``timezone`` is the IANA zone in which naive timestamps are read; without it a naive
    timestamp is an error (never a guess). ``mapping`` is the YAML map of the event-log importer.
    """

    timezone: str | None = None
    mapping: Path | None = None


class Importer:
    """Base class: subclasses set ``name`` and implement :meth:`records`."""

    name: ClassVar[str] = ""
    #: One line for ``supportops import --help``.
    summary: ClassVar[str] = ""

    def __init__(self, options: ImportOptions | None = None, progress: Progress | None = None):
        self.options = options or ImportOptions()
        self.progress: Progress = progress or NullProgress()
        self.position = Position(file="<input>")
        self.tz: tzinfo | None = zone(self.options.timezone) if self.options.timezone else None

    def records(self, paths: Sequence[Path]) -> Iterator[Record | EventBatch]:
        raise NotImplementedError

    def where(self) -> Position:
        return Position(self.position.file, self.position.line, self.position.unit)

    def error(self, field: str | None, message: str) -> RowError:
        return self.position.error(field, message)


def zone(name: str) -> tzinfo:
    """An IANA time zone by name, with a clear error for a typo."""
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin or UTC"
        ) from exc


# ----------------------------------------------------------------------------- time parsing
_DAYFIRST = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$"
)


class NaiveTimestamp(ValueError):
    pass


def parse_instant(text: str, tz: tzinfo | None, *, dayfirst: bool = False) -> datetime:
    """Parse an ISO 8601 (or day-first ``D/M/YYYY hh:mm[:ss]``) timestamp into UTC.

    A timestamp with its own offset is converted; a naive one is read in ``tz``, and without
    ``tz`` raises :class:`NaiveTimestamp`. Raises ``ValueError`` for anything unreadable.
    """
    s = text.strip()
    if dayfirst:
        m = _DAYFIRST.match(s)
        if not m:
            raise ValueError(f"{text!r} is not a day-first timestamp (D/M/YYYY hh:mm[:ss])")
        d, mo, y, hh, mm, ss, frac = m.groups()
        value = datetime(
            int(y),
            int(mo),
            int(d),
            int(hh or 0),
            int(mm or 0),
            int(ss or 0),
            int((frac or "0").ljust(6, "0")),
        )
    else:
        if s.endswith(("Z", "z")):
            s = s[:-1] + "+00:00"
        elif s.endswith(" UTC"):
            s = s[:-4] + "+00:00"
        try:
            value = datetime.fromisoformat(s)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO 8601 timestamp") from None
    if value.tzinfo is None:
        if tz is None:
            raise NaiveTimestamp(
                f"timestamp {text!r} has no time zone; name the zone it was written in "
                "with --timezone (for example --timezone Europe/Berlin or --timezone UTC)"
            )
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


# ----------------------------------------------------------------------------- files
class _Counting(io.RawIOBase):
    """Wraps a binary file and counts the compressed/raw bytes consumed, for progress."""

    def __init__(self, raw: IO[bytes], progress: Progress) -> None:
        self._raw = raw
        self._progress = progress
        self._seen = 0
        self._reported = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self._seen += n
            if self._seen - self._reported >= 1 << 20:
                self._reported = self._seen
                self._progress.update(self._seen)
        return n or 0

    def close(self) -> None:
        self._progress.update(self._seen)
        self._raw.close()
        super().close()


def open_binary(path: Path, progress: Progress, label: str | None = None) -> IO[bytes]:
    """Open a file for streaming, transparently un-gzipping ``*.gz``; reports progress."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror})") from exc
    total = path.stat().st_size
    progress.start(label or path.name, total)
    counted: IO[bytes] = io.BufferedReader(_Counting(raw, progress), buffer_size=1 << 16)
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=counted, mode="rb")  # type: ignore[return-value]
    return counted


def open_text(path: Path, progress: Progress, label: str | None = None) -> IO[str]:
    """Open a UTF-8 text file (a BOM is skipped) for streaming, decoding strictly."""
    binary = open_binary(path, progress, label)
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")


def _decode_error(path: Path, line: int | None, exc: UnicodeDecodeError, unit: str) -> RowError:
    return RowError(
        str(path),
        line,
        None,
        f"bytes that are not UTF-8 ({exc.reason} at byte 0x{exc.object[exc.start]:02x}); "
        "re-export the file as UTF-8",
        unit=unit,
    )


def csv_rows(
    path: Path,
    importer: Importer,
    *,
    required: Iterable[str] = (),
    label: str | None = None,
    delimiter: str | None = None,
) -> Iterator[dict[str, str]]:
    """Stream a CSV file as dicts, one per record, checking the header and each row's width.

    Keeps ``importer.position`` on the line where the current record starts. A missing
    required column, a row with the wrong number of fields (a truncated file), an unclosed
    quote or non-UTF-8 bytes raise :class:`RowError`.
    """
    pos = importer.position
    pos.file, pos.line, pos.unit = str(path), 1, "line"
    with open_text(path, importer.progress, label) as fh:
        try:
            reader = csv.reader(fh, delimiter=delimiter or ",", strict=True)
            try:
                header = next(reader)
            except StopIteration:
                raise RowError(
                    str(path), 1, None, "the file is empty; expected a header row"
                ) from None
            header = [h.strip() for h in header]
            missing = [c for c in required if c not in header]
            if missing:
                raise RowError(
                    str(path),
                    1,
                    ", ".join(missing),
                    f"missing column{'s' if len(missing) > 1 else ''}; the header has: "
                    f"{', '.join(header[:40])}",
                )
            dupes = sorted({h for h in header if header.count(h) > 1})
            if dupes:
                raise RowError(str(path), 1, ", ".join(dupes), "column named twice in the header")
            width = len(header)
            while True:
                pos.line = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                if len(row) != width:
                    if not row:
                        continue
                    raise pos.error(
                        None,
                        f"expected {width} fields, found {len(row)}"
                        + ("; is the file truncated?" if len(row) < width else ""),
                    )
                yield dict(zip(header, row, strict=True))
        except UnicodeDecodeError as exc:
            # The text layer decodes ahead in blocks; find the exact line from the bytes.
            raise _locate_bad_utf8(path) or _decode_error(path, pos.line, exc, "line") from exc
        except csv.Error as exc:
            raise pos.error(None, f"not valid CSV ({exc}); is the file truncated?") from exc


def _locate_bad_utf8(path: Path) -> RowError | None:
    """Re-read the raw bytes line by line to name the line holding the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with open_binary(path, NullProgress()) as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return _decode_error(path, n, exc, "line")
    return None


def jsonl_records(path: Path, importer: Importer, label: str | None = None) -> Iterator[Any]:
    """Stream a JSON Lines (NDJSON) file, one parsed value per non-blank line."""
    pos = importer.position
    pos.file, pos.line, pos.unit = str(path), 0, "line"
    with open_binary(path, importer.progress, label) as fh:
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        for n, raw in enumerate(fh, start=1):
            pos.line = n
            try:
                text = decoder.decode(raw)
            except UnicodeDecodeError as exc:
                raise _decode_error(path, n, exc, "line") from exc
            if not text.strip():
                continue
            try:
                yield json.loads(text)
            except json.JSONDecodeError as exc:
                hint = "; is the file truncated?" if not raw.endswith(b"\n") else ""
                raise pos.error(None, f"not valid JSON ({exc.msg}){hint}") from exc


def json_document(path: Path, importer: Importer, label: str | None = None) -> Any:
    """Parse a whole JSON document (an API page: these are bounded in size by the API)."""
    pos = importer.position
    pos.file, pos.line, pos.unit = str(path), None, "record"
    with open_binary(path, importer.progress, label) as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _decode_error(path, line, exc, "line") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RowError(
            str(path), exc.lineno, None, f"not valid JSON ({exc.msg}); is the file truncated?"
        ) from exc


# ----------------------------------------------------------------------------- helpers
def blank(value: str | None, missing: Sequence[str] = ("", "?", "NULL", "null", "None")) -> bool:
    return value is None or value.strip() in missing


def clean(
    value: str | None, missing: Sequence[str] = ("", "?", "NULL", "null", "None")
) -> str | None:
    """``None`` for the spellings of 'missing' that exports use, else the stripped text."""
    if value is None:
        return None
    s = value.strip()
    return None if s in missing else s


def parse_bool(text: str | None) -> bool | None:
    if text is None:
        return None
    s = text.strip().lower()
    if s in ("true", "t", "1", "yes", "y"):
        return True
    if s in ("false", "f", "0", "no", "n"):
        return False
    if s in ("", "?", "null", "none"):
        return None
    raise ValueError(f"{text!r} is not a boolean (true/false)")


Reader = Callable[[Path], Iterator[Record]]
