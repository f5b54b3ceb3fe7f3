"""Facts derived from ticket timelines, as columns: status periods, replies, cycles.

Input is the store's events frame (sorted by ticket, time, sequence) and a tickets frame.
Everything here is vectorized Polars; instants become integer epoch seconds (``t``) and
tickets an integer index (``tix``) so the SLA engine works on plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from supportops.model import Status

#: An instant later than any real one: "still going".
FOREVER = 2**62
SOLVED = (Status.SOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True, slots=True)
class Timelines:
    """Per-ticket facts for the SLA engine.

    * ``tickets``: ``tix``, ``ticket_id``, ``created`` (epoch s) plus the ticket columns given.
    * ``periods``: status periods ``tix, start, end, status`` (``end`` = FOREVER if current).
    * ``replies``: public comments ``tix, t, role`` (``agent`` / ``customer``), in order.
    * ``cycles``: resolution cycles ``tix, cycle, start, stop`` (``stop`` null if unsolved).
    * ``priority_changes``: ``tix, t, priority`` in order (for re-targeting).
    """

    tickets: pl.DataFrame
    periods: pl.DataFrame
    replies: pl.DataFrame
    cycles: pl.DataFrame
    priority_changes: pl.DataFrame


def _seconds(col: str) -> pl.Expr:
    return pl.col(col).dt.epoch("s").cast(pl.Int64)


def _same_next(key: str) -> pl.Expr:
    return pl.col(key).shift(-1) == pl.col(key)


def derive(events: pl.DataFrame, tickets: pl.DataFrame, as_of: int) -> Timelines:
    """Derive the facts, ignoring anything that happened after ``as_of`` (epoch seconds)."""
    tk = (
        tickets.sort("id")
        .with_row_index("tix")
        .with_columns(
            pl.col("tix").cast(pl.Int64),
            _seconds("created_at").alias("created"),
        )
        .rename({"id": "ticket_id"})
        .filter(pl.col("created") <= as_of)
    )
    ev = (
        events.lazy()
        .select("ticket_id", "at", "seq", "kind", "value", "actor_role", "public")
        .with_columns(_seconds("at").alias("t"))
        .filter(pl.col("t") <= as_of)
        .join(tk.lazy().select("ticket_id", "tix", "created"), on="ticket_id", how="inner")
        .sort("tix", "t", "seq")
        .collect()
    )

    # Status periods: each status event opens a period that the next one closes. Before the
    # first status event a ticket is "new" from its creation.
    status = ev.filter(pl.col("kind") == "status").select(
        "tix", pl.col("t").alias("start"), pl.col("value").alias("status")
    )
    first_status = status.group_by("tix").agg(pl.col("start").min().alias("first"))
    lead_in = (
        tk.select("tix", pl.col("created").alias("start"))
        .join(first_status, on="tix", how="left")
        .filter(pl.col("first").is_null() | (pl.col("first") > pl.col("start")))
        .select("tix", "start", pl.lit(Status.NEW.value).alias("status"))
    )
    periods = (
        pl.concat([lead_in, status])
        .sort("tix", "start")
        .with_columns(
            pl.when(_same_next("tix"))
            .then(pl.col("start").shift(-1))
            .otherwise(pl.lit(FOREVER))
            .alias("end")
        )
        .select("tix", "start", "end", "status")
    )

    replies = ev.filter(
        (pl.col("kind") == "comment")
        & pl.col("public").fill_null(True)
        & pl.col("actor_role").is_in(["agent", "customer"])
    ).select("tix", "t", pl.col("actor_role").alias("role"))

    cycles = _cycles(periods, tk)
    priority_changes = ev.filter(pl.col("kind") == "priority").select(
        "tix", "t", pl.col("value").alias("priority")
    )
    return Timelines(tk, periods, replies, cycles, priority_changes)


def _cycles(periods: pl.DataFrame, tickets: pl.DataFrame) -> pl.DataFrame:
    """Resolution cycles: the first starts at creation; a reopening (leaving solved or closed
    for any other status) starts the next. A cycle stops at its first solved/closed."""
    solved = pl.col("status").is_in(SOLVED)
    marked = periods.with_columns(
        solved.alias("solved"),
        (pl.col("tix").shift(1) == pl.col("tix")).fill_null(False).alias("has_prev"),
        pl.col("status").shift(1).is_in(SOLVED).fill_null(False).alias("prev_solved"),
    )
    reopen = marked.filter(pl.col("has_prev") & pl.col("prev_solved") & ~pl.col("solved")).select(
        "tix", pl.col("start").alias("cstart")
    )
    starts = (
        pl.concat([tickets.select("tix", pl.col("created").alias("cstart")), reopen])
        .sort("tix", "cstart")
        .with_columns(pl.int_range(pl.len()).over("tix").add(1).cast(pl.Int32).alias("cycle"))
        .with_columns(
            pl.when(_same_next("tix"))
            .then(pl.col("cstart").shift(-1))
            .otherwise(pl.lit(FOREVER))
            .alias("next_start")
        )
    )
    solves = marked.filter(pl.col("solved")).select("tix", pl.col("start").alias("solved_at"))
    # the first solve at or after each cycle start (an as-of join per ticket)
    joined = starts.sort("cstart").join_asof(
        solves.sort("solved_at"),
        left_on="cstart",
        right_on="solved_at",
        by="tix",
        strategy="forward",
        check_sortedness=False,
    )
    return (
        joined.with_columns(
            pl.when(pl.col("solved_at") < pl.col("next_start"))
            .then(pl.col("solved_at"))
            .alias("stop")
        )
        .select("tix", "cycle", pl.col("cstart").alias("start"), "stop")
        .sort("tix", "cycle")
    )
