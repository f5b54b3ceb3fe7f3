"""The columnar fast path for the interchange ``events.csv``.

Large event files are parsed by Polars in batches and checked with column expressions, then
handed to the store writer as :class:`~supportops.store.writer.EventBatch` frames: no Python
object per event. The path is all-or-nothing: a first pass checks the whole file and, if
anything at all is off (a bad value, a multi-line field, bytes that are not UTF-8, …), the
importer reads the file row by row instead, which names the exact line and field of the
problem. Only a file that passes every check is read a second time and yielded.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path

import polars as pl

from supportops.importers.base import parse_instant
from supportops.model import SURVEY_SCALES
from supportops.store import schema
from supportops.store.writer import EventBatch

CHUNK = 250_000
#: Below this many bytes the row-by-row reader is as fast and simpler.
MIN_BYTES = 1 << 20
#: The events table's columns but its id, in table order.
COLUMNS = tuple(c.name for c in schema.events.columns if c.name != "id")
_BOOLS = {
    "true": True,
    "t": True,
    "1": True,
    "yes": True,
    "y": True,
    "false": False,
    "f": False,
    "0": False,
    "no": False,
    "n": False,
}
_DUP_KEY = ("ticket_id", "at", "kind", "value", "action", "number", "actor", "body", "public")


class _Fallback(Exception):
    """Something the fast path does not vouch for: read the file row by row."""


def event_batches(
    path: Path,
    *,
    tz: tzinfo | None,
    kinds: frozenset[str],
    value_sets: dict[str, frozenset[str]],
    actions: dict[str, frozenset[str]],
    roles: frozenset[str],
    prefix: str,
) -> Iterator[EventBatch] | None:
    """Batches of checked events, or ``None`` when the file must be read row by row."""
    if path.suffix != ".csv" or path.stat().st_size < MIN_BYTES:
        return None
    try:
        header = _header(path)
        if not {"ticket_id", "at", "kind"} <= set(header) or len(set(header)) != len(header):
            return None
        lines = _count_lines(path)
        rows = 0
        carry: pl.DataFrame | None = None
        for raw in _read(path):
            frame = _convert(raw, rows, tz, kinds, value_sets, actions, roles, prefix)
            carry = _check_duplicates(frame, carry)
            rows += raw.height
        if rows + 1 != lines:  # a quoted field spans lines: line numbers would be wrong
            return None
    except _Fallback:
        return None
    except (pl.exceptions.PolarsError, UnicodeDecodeError, OSError, csv.Error):
        return None

    def batches() -> Iterator[EventBatch]:
        done = 0
        for raw in _read(path):
            frame = _convert(raw, done, tz, kinds, value_sets, actions, roles, prefix)
            done += raw.height
            yield EventBatch(frame, str(path))

    return batches()


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [h.strip() for h in next(csv.reader(fh), [])]


def _count_lines(path: Path) -> int:
    """Physical lines, counting a last line without a newline."""
    n = 0
    last = b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def _read(path: Path) -> Iterator[pl.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collect_batches is marked unstable
        scan = pl.scan_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=False)
        yield from scan.collect_batches(chunk_size=CHUNK)


def _convert(
    raw: pl.DataFrame,
    offset: int,
    tz: tzinfo | None,
    kinds: frozenset[str],
    value_sets: dict[str, frozenset[str]],
    actions: dict[str, frozenset[str]],
    roles: frozenset[str],
    prefix: str,
) -> pl.DataFrame:
    n = raw.height
    cols = {}
    for name in COLUMNS:
        if name in raw.columns:
            s = raw[name].str.strip_chars()
            cols[name] = pl.when(s == "").then(None).otherwise(s).alias(name)
        else:
            cols[name] = pl.lit(None, dtype=pl.String).alias(name)
    f = raw.select(list(cols.values()))
    if f["raw"].null_count() != n:
        raise _Fallback  # JSON per row: leave it to the careful reader
    kind = f["kind"]
    if f["ticket_id"].null_count() or f["at"].null_count() or kind.null_count():
        raise _Fallback
    if not kind.is_in(sorted(kinds)).all():
        raise _Fallback
    value, action = f["value"], f["action"]
    for k, allowed in value_sets.items():
        bad = (kind == k) & value.is_not_null() & ~value.is_in(sorted(allowed))
        if bad.any():
            raise _Fallback
    for k, allowed in actions.items():
        mine = kind == k
        if (mine & (action.is_null() | ~action.is_in(sorted(allowed)))).any():
            raise _Fallback
    if ((kind == "tag") & value.is_null()).any():
        raise _Fallback
    number = f["number"].cast(pl.Int64, strict=False)
    if (number.is_null() & f["number"].is_not_null()).any():
        raise _Fallback
    survey = f["value"].fill_null("csat")
    low = survey.replace_strict({k or "csat": v[0] for k, v in SURVEY_SCALES.items()}, default=None)
    high = survey.replace_strict(
        {k or "csat": v[1] for k, v in SURVEY_SCALES.items()}, default=None
    )
    bad_survey = low.is_null() | number.is_null() | (number < low) | (number > high)
    if ((kind == "csat") & bad_survey).any():
        raise _Fallback
    role = f["actor_role"]
    if (role.is_not_null() & ~role.is_in(sorted(roles))).any():
        raise _Fallback
    public_text = f["public"].str.to_lowercase()
    public = public_text.replace_strict(_BOOLS, default=None, return_dtype=pl.Boolean)
    if (public.is_null() & public_text.is_not_null()).any():
        raise _Fallback
    at = f["at"].str.to_datetime("%+", time_unit="us", time_zone="UTC", strict=False)
    if at.null_count():  # other spellings (no offset, " UTC" …): the reader's own parser
        try:
            slow = [
                None if ok else parse_instant(x, tz)
                for x, ok in zip(f["at"], at.is_not_null(), strict=True)
            ]
        except ValueError:
            raise _Fallback from None
        at = at.zip_with(at.is_not_null(), pl.Series(slow, dtype=pl.Datetime("us", "UTC")))
    scoped = kind.is_in(["assignee", "merge"])
    out = pl.DataFrame(
        [
            f["ticket_id"],
            at.alias("at"),
            kind,
            value,
            f["raw_value"],
            action,
            number.alias("number"),
            f["actor"],
            role,
            public.alias("public"),
            f["body"],
            f["origin"],
            f["raw"],
            pl.Series("_line", range(offset + 2, offset + 2 + n), dtype=pl.Int64),
        ]
    )
    return out.with_columns(
        _canonical("ticket_id", prefix),
        _canonical("actor", prefix),
        pl.when(scoped).then(_canonical("value", prefix)).otherwise(pl.col("value")).alias("value"),
    )


def _canonical(name: str, prefix: str) -> pl.Expr:
    """Ids without a ``source:`` prefix get the default one (as the row reader does)."""
    col = pl.col(name)
    return (
        pl.when(col.str.contains(":", literal=True))
        .then(col)
        .otherwise(pl.lit(prefix + ":") + col)
        .alias(name)
    )


def _check_duplicates(frame: pl.DataFrame, carry: pl.DataFrame | None) -> pl.DataFrame:
    """An exact repeat within one ticket's run of rows is a duplicate row (the row-by-row
    reader names both lines). Returns the last run, to check against the next batch."""
    both = frame if carry is None else pl.concat([carry, frame])
    tid = both["ticket_id"]
    run = (tid != tid.shift(1)).fill_null(True).cum_sum()
    if (
        both.with_columns(run.alias("_run"))
        .select(pl.struct(["_run", *_DUP_KEY]).is_duplicated().any())
        .item()
    ):
        raise _Fallback
    last = tid[-1] if both.height else None
    return both.filter(tid == last) if last is not None else both.head(0)
