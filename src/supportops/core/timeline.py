"""Facts derived from ticket timelines, as columns: status periods, replies, cycles.

Input is the store's events frame and a tickets frame. Instants become integer epoch seconds
(``t``) and tickets an integer index (``tix``, the ticket's rank by id), so everything after
this module is arithmetic on numpy arrays. Rows are kept sorted by ``(tix, t)``; "the next X
of the same ticket" is then one binary search over combined ``(tix, t)`` keys (:func:`key`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from supportops.model import Status

#: An instant later than any real one: "still going" (2106-02-07, the end of the key range).
FOREVER = 2**32 - 1
SOLVED = (Status.SOLVED.value, Status.CLOSED.value)

Ints = npt.NDArray[np.int64]


def key(tix: npt.ArrayLike, t: npt.ArrayLike) -> Ints:
    """One sortable int64 per (ticket, instant); instants are clipped to 1970..2106."""
    return np.asarray(
        (np.asarray(tix, dtype=np.int64) << 32)
        | np.clip(np.asarray(t, dtype=np.int64), 0, FOREVER),
        dtype=np.int64,
    )


def next_at(
    tix: npt.ArrayLike, t: npt.ArrayLike, on_tix: Ints, on_t: Ints, *, strict: bool = False
) -> Ints:
    """For each (tix, t): the first ``on_t`` of the same ticket at (strictly: after) ``t``;
    -1 where there is none. ``on_*`` must be sorted by (tix, t)."""
    keys = key(on_tix, on_t)
    q = key(tix, t)
    idx = np.searchsorted(keys, q, side="right" if strict else "left")
    inside = idx < len(keys)
    safe = np.where(inside, idx, 0)
    ok = inside & (on_tix[safe] == np.asarray(tix)) if len(keys) else np.zeros(len(q), bool)
    return np.where(ok, on_t[safe] if len(keys) else 0, -1).astype(np.int64)


def last_at(tix: npt.ArrayLike, t: npt.ArrayLike, on_tix: Ints, on_t: Ints) -> Ints:
    """For each (tix, t): the index into ``on_*`` of the last row of the same ticket at or
    before ``t``; -1 where there is none."""
    keys = key(on_tix, on_t)
    idx = np.searchsorted(keys, key(tix, t), side="right") - 1
    safe = np.maximum(idx, 0)
    ok = (idx >= 0) & (on_tix[safe] == np.asarray(tix)) if len(keys) else np.zeros(len(idx), bool)
    return np.where(ok, idx, -1).astype(np.int64)


def position(*groups: npt.NDArray[np.generic]) -> npt.NDArray[np.int32]:
    """1-based position of each row within its run of equal group keys (rows sorted)."""
    n = len(groups[0])
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for g in groups:
        change[1:] |= g[1:] != g[:-1]
    idx = np.arange(n)
    first = np.maximum.accumulate(np.where(change, idx, 0))
    return (idx - first + 1).astype(np.int32)


@dataclass(frozen=True, slots=True)
class Timelines:
    """Per-ticket facts for the SLA engine; every frame is sorted by (tix, t).

    * ``tickets``: ``tix``, ``ticket_id``, ``created`` (epoch s) plus the ticket columns given.
    * ``periods``: status periods ``tix, start, end, status`` (``end`` = FOREVER if current).
    * ``replies``: public comments ``tix, t, role`` (``agent`` / ``customer``).
    * ``cycles``: resolution cycles ``tix, cycle, start, stop`` (``stop`` -1 while unsolved).
    * ``priority_changes``: ``tix, t, priority``.
    """

    tickets: pl.DataFrame
    periods: pl.DataFrame
    replies: pl.DataFrame
    cycles: pl.DataFrame
    priority_changes: pl.DataFrame


def derive(events: pl.DataFrame, tickets: pl.DataFrame, as_of: int) -> Timelines:
    """Derive the facts, ignoring anything that happened after ``as_of`` (epoch seconds)."""
    tk = (
        tickets.with_columns(pl.col("created_at").dt.epoch("s").cast(pl.Int64).alias("created"))
        .filter(pl.col("created") <= as_of)
        .sort("id")
        .rename({"id": "ticket_id"})
    )
    tk = tk.with_columns(pl.int_range(tk.height, dtype=pl.Int64).alias("tix"))
    # Look each run of equal ticket ids up once (events come grouped by ticket), not each event.
    tid = events["ticket_id"]
    run_start = (tid != tid.shift(1)).fill_null(True)
    run_ids = tid.filter(run_start)
    run_of = tid.rle_id().cast(pl.Int64)  # the run each event belongs to
    if run_ids.equals(tk["ticket_id"]):
        # the usual case: every ticket has events and every event a known ticket
        pos, inside = run_of, pl.repeat(True, len(tid), eager=True)
    else:
        run_pos = tk["ticket_id"].search_sorted(run_ids, side="left").cast(pl.Int64)
        # search_sorted gives a position, not a match: keep events of known tickets
        run_known = (
            (run_pos < tk.height)
            & (tk["ticket_id"].gather(run_pos.clip(0, tk.height - 1)) == run_ids)
            if tk.height
            else pl.repeat(False, len(run_ids), eager=True)
        )
        pos = run_pos.gather(run_of)
        inside = run_known.gather(run_of)
    t = events["at"].dt.cast_time_unit("us").to_physical() // 1_000_000  # floor, as epoch
    keep = inside & (t <= as_of) if tk.height else inside
    ev = pl.DataFrame(
        [
            pos.alias("tix"),
            t.alias("t"),
            events["seq"],
            events["kind"],
            events["value"],
            events["actor_role"],
            events["public"],
        ]
    )
    if not keep.all():
        ev = ev.filter(keep)
    if not _sorted(ev):
        ev = ev.sort("tix", "t", "seq")
    kind = ev["kind"]

    created = tk["created"].to_numpy()
    status = ev.select("tix", "t", "value").filter(kind == "status")
    # status events in the same second: the last (in sequence) wins, the others never held
    st_tix, st_t = status["tix"].to_numpy(), status["t"].to_numpy()
    if len(st_t) > 1:
        last_of_second = np.append((st_tix[1:] != st_tix[:-1]) | (st_t[1:] != st_t[:-1]), True)
        status = status.filter(pl.Series(last_of_second))
    s_tix = status["tix"].to_numpy()
    # Before its first status event a ticket is "new" from its creation.
    has_status_at_creation = np.zeros(tk.height, dtype=bool)
    first_idx = np.searchsorted(s_tix, np.arange(tk.height), side="left")
    ok = first_idx < len(s_tix)
    has_status_at_creation[ok] = (s_tix[first_idx[ok]] == np.arange(tk.height)[ok]) & (
        status["t"].to_numpy()[first_idx[ok]] <= created[ok]
    )
    lead = np.flatnonzero(~has_status_at_creation)
    # each lead period goes before its ticket's status periods (which all come later): a
    # merge of two sorted lists, not a sort
    at = np.searchsorted(s_tix, lead, side="left")
    p_tix = np.insert(s_tix, at, lead)
    p_start = np.insert(status["t"].to_numpy(), at, created[lead])
    source = np.insert(np.arange(status.height), at, status.height + np.arange(len(lead)))
    p_status = pl.concat(
        [status["value"], pl.repeat(Status.NEW.value, len(lead), dtype=pl.String, eager=True)]
    ).gather(source)
    same_next = _same_as_next(p_tix)
    p_end = np.where(same_next, np.append(p_start[1:], 0), FOREVER)
    periods = pl.DataFrame(
        [
            pl.Series("tix", p_tix, dtype=pl.Int64),
            pl.Series("start", p_start, dtype=pl.Int64),
            pl.Series("end", p_end, dtype=pl.Int64),
            p_status.alias("status"),
        ]
    )

    role = ev["actor_role"]
    replies = ev.select("tix", "t", role.alias("role")).filter(
        (kind == "comment")
        & ev["public"].fill_null(True)
        & ((role == "agent") | (role == "customer"))
    )
    priority_changes = ev.select("tix", "t", pl.col("value").alias("priority")).filter(
        kind == "priority"
    )
    return Timelines(tk, periods, replies, _cycles(periods, created), priority_changes)


def _same_as_next(tix: Ints) -> npt.NDArray[np.bool_]:
    """Does the next row belong to the same ticket? (False for the last row.)"""
    out = np.zeros(len(tix), dtype=bool)
    out[:-1] = tix[1:] == tix[:-1]
    return out


def _sorted(ev: pl.DataFrame) -> bool:
    """Sorted by (tix, t, seq)? Within a second the sequence decides, not the microseconds."""
    if ev.height < 2:
        return True
    k = key(ev["tix"].to_numpy(), ev["t"].to_numpy())
    seq = ev["seq"].to_numpy()
    return bool(np.all((k[1:] > k[:-1]) | ((k[1:] == k[:-1]) & (seq[1:] >= seq[:-1]))))


def _cycles(periods: pl.DataFrame, created: Ints) -> pl.DataFrame:
    """Resolution cycles: the first starts at creation; a reopening (leaving solved or closed
    for any other status) starts the next. A cycle stops at its first solved/closed, if that
    comes before the next cycle starts."""
    tix = periods["tix"].to_numpy()
    start = periods["start"].to_numpy()
    solved = periods["status"].is_in(SOLVED).to_numpy()
    prev_same = np.insert(tix[1:] == tix[:-1], 0, False)
    prev_solved = np.insert(solved[:-1], 0, False)
    reopen = prev_same & prev_solved & ~solved
    n = len(created)
    r_tix, r_start = tix[reopen], start[reopen]
    if np.all(created[r_tix] <= r_start):
        # every reopening comes after its ticket's creation: merge the two sorted lists
        at = np.searchsorted(r_tix, np.arange(n), side="left")
        c_tix = np.insert(r_tix, at, np.arange(n, dtype=np.int64))
        c_start = np.insert(r_start, at, created)
    else:
        c_tix = np.concatenate([np.arange(n, dtype=np.int64), r_tix])
        c_start = np.concatenate([created, r_start])
        order = np.argsort(key(c_tix, c_start), kind="stable")
        c_tix, c_start = c_tix[order], c_start[order]
    cycle = position(c_tix)
    same_next = _same_as_next(c_tix)
    next_start = np.where(same_next, np.append(c_start[1:], 0), FOREVER)
    solve_at = next_at(c_tix, c_start, tix[solved], start[solved])
    stop = np.where((solve_at >= 0) & (solve_at < next_start), solve_at, -1)
    return pl.DataFrame(
        {"tix": c_tix, "cycle": cycle, "start": c_start, "stop": stop},
        schema={"tix": pl.Int64, "cycle": pl.Int32, "start": pl.Int64, "stop": pl.Int64},
    )
