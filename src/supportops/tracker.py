"""The Weekly Escalations Tracker: recurring problems, their status, and the weeks they were seen.

Each weekly review records what it found as :class:`Sighting` objects; the tracker keeps one
row per problem (``P-0001`` …) and one per problem and week, so a problem keeps its identity,
its owner and its notes from week to week. The status moves by itself only forward
(new → recurring → kb_drafted → kb_published); people set any status with :meth:`Tracker.update`,
and only a resolved problem that comes back in a later week is moved back (to recurring).
docs/tracker.md draws the state machine.

Recording is idempotent (a week recorded again replaces that week's sightings) and does not
depend on the order weeks are recorded in: counts and first/last seen are recomputed from the
sightings, and labels follow the latest week.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TextIO

import sqlalchemy as sa

from supportops.errors import InputError, StoreError
from supportops.store import Store
from supportops.store.schema import tracker_problems as P
from supportops.store.schema import tracker_sightings as S

TRACKER_STATUSES = ("new", "recurring", "kb_drafted", "kb_published", "resolved")
#: How far along the automatic path a status is; ``resolved`` is outside it.
RANK = {"new": 0, "recurring": 1, "kb_drafted": 2, "kb_published": 3}
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
CSV_COLUMNS = (
    "problem_id",
    "label",
    "title",
    "category",
    "status",
    "owner",
    "notes",
    "keywords",
    "article_id",
    "first_seen",
    "last_seen",
    "weeks_seen",
    "count_total",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One problem seen in one review week, as the review found it."""

    problem_id: str | None  # None: a new problem; the tracker assigns the next id
    week: str  # "2026-W47"
    label: str
    title: str
    category: str | None
    keywords: list[str]
    signature: dict[str, float]  # term → weight, to match it again next week
    count: int  # escalated tickets that week
    ticket_ids: list[str]
    article_id: str | None  # a KB article covering it, if any
    drafted: bool  # a KB draft was produced this review


@dataclass(frozen=True, slots=True)
class TrackedProblem:
    """One row of the tracker. ``first_seen``/``last_seen`` are None (and the counts 0) only
    for a problem a person edited whose every sighting was later replaced away."""

    problem_id: str
    label: str
    title: str
    category: str | None
    status: str
    owner: str | None
    notes: str | None
    signature: dict[str, float]
    keywords: list[str]
    article_id: str | None
    first_seen: str | None
    last_seen: str | None
    weeks_seen: int
    count_total: int
    resolved_week: str | None
    created_at: datetime
    updated_at: datetime

    def row(self) -> dict[str, Any]:
        """The problem as plain values (JSON output), without the matcher's signature."""
        return {
            "problem_id": self.problem_id,
            "label": self.label,
            "title": self.title,
            "category": self.category,
            "status": self.status,
            "owner": self.owner,
            "notes": self.notes,
            "keywords": list(self.keywords),
            "article_id": self.article_id,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "weeks_seen": self.weeks_seen,
            "count_total": self.count_total,
            "resolved_week": self.resolved_week,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class WeekCount:
    """How often one problem was escalated in one week."""

    week: str
    count: int
    ticket_ids: list[str]


def week_label(value: str) -> str:
    """Check an ISO week label (``2026-W47``) and return it; InputError if it is not one."""
    m = WEEK.match(value)
    if m:
        try:
            date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return value
        except ValueError:
            pass
    raise InputError(f"week {value!r}: write an ISO week such as 2026-W47")


def week_of(instant: datetime) -> str:
    year, week, _ = instant.isocalendar()
    return f"{year}-W{week:02d}"


def problem_number(problem_id: str) -> int:
    m = re.fullmatch(r"P-(\d+)", problem_id)
    return int(m[1]) if m else 0


def _problem(row: sa.Row[Any]) -> TrackedProblem:
    m = row._mapping
    return TrackedProblem(
        **{f: m[f] for f in TrackedProblem.__slots__ if f not in ("signature", "keywords")},
        signature=dict(m["signature"] or {}),
        keywords=list(m["keywords"] or []),
    )


def _spreadsheet_safe(value: Any) -> Any:
    """Cells a spreadsheet would run as a formula get a leading apostrophe (ticket text is
    untrusted: OWASP's CSV-injection advice)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class Tracker:
    """The tracker in a store. Every method is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------- reading
    def problems(self, status: str | None = None) -> list[TrackedProblem]:
        """Every problem (or those with ``status``), in id order."""
        query = sa.select(P)
        if status is not None:
            query = query.where(P.c.status == self._status(status))
        with self.store.begin() as conn:
            rows = conn.execute(query).all()
        return sorted((_problem(r) for r in rows), key=lambda p: problem_number(p.problem_id))

    def get(self, problem_id: str) -> TrackedProblem:
        with self.store.begin() as conn:
            return self._get(conn, problem_id)

    def signatures(self) -> dict[str, dict[str, float]]:
        """problem_id → signature, for matching this week's clusters to known problems."""
        with self.store.begin() as conn:
            rows = conn.execute(sa.select(P.c.problem_id, P.c.signature)).all()
        ordered = sorted(rows, key=lambda r: problem_number(r[0]))
        return {pid: dict(sig or {}) for pid, sig in ordered}

    def history(self, problem_id: str | None = None) -> dict[str, list[WeekCount]]:
        """problem_id → its weeks, oldest first (one problem, or all)."""
        query = sa.select(S).order_by(S.c.problem_id, S.c.week)
        if problem_id is not None:
            query = query.where(S.c.problem_id == problem_id)
        out: dict[str, list[WeekCount]] = {}
        with self.store.begin() as conn:
            for r in conn.execute(query).mappings():
                out.setdefault(r["problem_id"], []).append(
                    WeekCount(r["week"], int(r["count"]), list(r["ticket_ids"]))
                )
        return out

    def export_csv(self, out: TextIO, *, status: str | None = None) -> int:
        """Write the tracker (or one status of it) as CSV, columns :data:`CSV_COLUMNS`;
        return the rows written."""
        problems = self.problems(status)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for p in problems:
            row = p.row()
            row["keywords"] = "; ".join(p.keywords)
            writer.writerow(
                ["" if row[c] is None else _spreadsheet_safe(row[c]) for c in CSV_COLUMNS]
            )
        return len(problems)

    # ------------------------------------------------------------- writing
    def record(
        self, week: str, sightings: Sequence[Sighting], *, now: datetime
    ) -> list[TrackedProblem]:
        """Record one review week: replace that week's sightings with these, create the new
        problems, recompute counts and move statuses. Returns the problems sighted, in the
        order of ``sightings``."""
        week = week_label(week)
        for s in sightings:
            if s.week != week:
                raise InputError(f"a sighting of week {s.week} cannot be recorded as {week}")
            if s.count < 0:
                raise InputError(f"a sighting of {s.label!r} has a negative count")
        try:
            with self.store.begin() as conn:
                if self.store.dialect == "postgresql":  # one recorder at a time assigns ids
                    conn.execute(sa.text("LOCK TABLE tracker_problems IN EXCLUSIVE MODE"))
                ids = self._record(conn, week, sightings, now)
                return [self._get(conn, pid) for pid in ids]
        except sa.exc.IntegrityError as exc:
            raise StoreError(
                f"another review recorded {week} at the same time; run the review again"
            ) from exc

    def _record(
        self, conn: sa.Connection, week: str, sightings: Sequence[Sighting], now: datetime
    ) -> list[str]:
        known = {r.problem_id: r for r in conn.execute(sa.select(P))}
        before = {
            r.problem_id for r in conn.execute(sa.select(S.c.problem_id).where(S.c.week == week))
        }
        next_number = max((problem_number(p) for p in known), default=0) + 1
        ids: list[str] = []
        for s in sightings:
            pid = s.problem_id
            if pid is None:
                # the same new problem recorded again for the same week keeps its id
                pid = next(
                    (
                        p
                        for p in sorted(before)
                        if known[p].label == s.label and dict(known[p].signature) == s.signature
                    ),
                    None,
                )
            if pid is None:
                pid = f"P-{next_number:04d}"
                next_number += 1
                conn.execute(
                    P.insert().values(
                        problem_id=pid,
                        label=s.label,
                        title=s.title,
                        category=s.category,
                        status="new",
                        signature=s.signature,
                        keywords=list(s.keywords),
                        article_id=s.article_id,
                        weeks_seen=0,
                        count_total=0,
                        edited=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
                known[pid] = conn.execute(sa.select(P).where(P.c.problem_id == pid)).one()
            elif pid not in known:
                raise InputError(
                    f"no problem {pid} in the tracker; pass problem_id=None for a new one"
                )
            if pid in ids:
                raise InputError(f"two sightings of {pid} in {week}; merge them before recording")
            ids.append(pid)

        conn.execute(sa.delete(S).where(S.c.week == week))
        if sightings:
            conn.execute(
                S.insert(),
                [
                    {
                        "problem_id": pid,
                        "week": week,
                        "count": s.count,
                        "ticket_ids": list(s.ticket_ids),
                    }
                    for pid, s in zip(ids, sightings, strict=True)
                ],
            )
        totals = self._totals(conn, set(ids) | before)
        for pid, s in zip(ids, sightings, strict=True):
            self._apply(conn, known[pid], s, totals.get(pid), now)
        for pid in sorted(before - set(ids)):  # no longer seen in this week
            if totals.get(pid) is None and not known[pid].edited:
                conn.execute(sa.delete(P).where(P.c.problem_id == pid))
            else:
                conn.execute(
                    P.update()
                    .where(P.c.problem_id == pid)
                    .values(**self._counts(totals.get(pid)), updated_at=now)
                )
        return ids

    def _totals(
        self, conn: sa.Connection, ids: Iterable[str]
    ) -> dict[str, tuple[str, str, int, int]]:
        """problem_id → (first week, last week, weeks, escalations) over all its sightings."""
        query = (
            sa.select(
                S.c.problem_id,
                sa.func.min(S.c.week),
                sa.func.max(S.c.week),
                sa.func.count(),
                sa.func.sum(S.c.count),
            )
            .where(S.c.problem_id.in_(list(ids)))
            .group_by(S.c.problem_id)
        )
        return {r[0]: (r[1], r[2], int(r[3]), int(r[4] or 0)) for r in conn.execute(query)}

    @staticmethod
    def _counts(total: tuple[str, str, int, int] | None) -> dict[str, Any]:
        first, last, weeks, count = total or (None, None, 0, 0)
        return {"first_seen": first, "last_seen": last, "weeks_seen": weeks, "count_total": count}

    def _apply(
        self,
        conn: sa.Connection,
        old: sa.Row[Any],
        s: Sighting,
        total: tuple[str, str, int, int] | None,
        now: datetime,
    ) -> None:
        values = self._counts(total)
        # the latest week describes the problem, whatever order weeks are recorded in
        if old.last_seen is None or s.week >= old.last_seen:
            values |= {
                "label": s.label,
                "title": s.title,
                "category": s.category,
                "keywords": list(s.keywords),
                "signature": s.signature,
            }
            if s.article_id is not None:
                values["article_id"] = s.article_id
        elif s.article_id is not None and old.article_id is None:
            values["article_id"] = s.article_id
        status, notes = old.status, old.notes
        if status == "resolved":
            if old.resolved_week is None or s.week > old.resolved_week:
                status = "recurring"
                notes = _append(notes, f"{now:%Y-%m-%d}: reappeared in {s.week}")
                values |= {"notes": notes, "resolved_week": None}
        else:
            evidence = "recurring" if values["weeks_seen"] >= 2 else "new"
            if s.drafted:
                evidence = "kb_drafted"
            if s.article_id is not None:
                evidence = "kb_published"
            if RANK[evidence] > RANK[status]:
                status = evidence
        conn.execute(
            P.update()
            .where(P.c.problem_id == old.problem_id)
            .values(**values, status=status, updated_at=now)
        )

    def update(
        self,
        problem_id: str,
        *,
        status: str | None = None,
        owner: str | None = None,
        notes: str | None = None,
        note: str | None = None,
        now: datetime,
    ) -> TrackedProblem:
        """A person's change: status, owner (``""`` clears), notes (replace; ``""`` clears)
        or note (append one dated line). Automatic updates never move a person's status
        backwards; a resolved problem reopens only when seen in a later week."""
        if notes is not None and note is not None:
            raise InputError("give notes (replace) or note (append), not both")
        with self.store.begin() as conn:
            old = self._get(conn, problem_id)
            values: dict[str, Any] = {"edited": True, "updated_at": now}
            if status is not None:
                values["status"] = self._status(status)
                if status == "resolved" and old.status != "resolved":
                    values["resolved_week"] = max(week_of(now), old.last_seen or "")
                elif status != "resolved":
                    values["resolved_week"] = None
            if owner is not None:
                values["owner"] = owner.strip() or None
            if notes is not None:
                values["notes"] = notes.strip() or None
            if note is not None and note.strip():
                values["notes"] = _append(old.notes, f"{now:%Y-%m-%d}: {note.strip()}")
            conn.execute(P.update().where(P.c.problem_id == problem_id).values(**values))
            return self._get(conn, problem_id)

    # ------------------------------------------------------------- helpers
    @staticmethod
    def _status(status: str) -> str:
        if status not in TRACKER_STATUSES:
            raise InputError(f"unknown status {status!r}: choose {', '.join(TRACKER_STATUSES)}")
        return status

    @staticmethod
    def _get(conn: sa.Connection, problem_id: str) -> TrackedProblem:
        row = conn.execute(sa.select(P).where(P.c.problem_id == problem_id)).first()
        if row is None:
            raise InputError(
                f"no problem {problem_id!r} in the tracker; `supportops tracker` lists them"
            )
        return _problem(row)


def _append(notes: str | None, line: str) -> str:
    return f"{notes}\n{line}" if notes else line
