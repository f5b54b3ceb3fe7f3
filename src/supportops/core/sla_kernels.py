"""The SLA engine's inner loops, compiled with Numba.

:mod:`supportops.core.sla` prepares flat numpy arrays (tickets as an index, every per-ticket
list as a slice of one array through *offsets*: ticket ``i`` owns ``x[off[i]:off[i + 1]]``)
and calls two kernels:

* :func:`instances` — every ticket's clock instances, in (ticket, metric, start) order
  (run twice: to count them, then to write them);
* :func:`measure` — each instance's running segments, business time, deadline, warning
  instants and status, in one walk over its segments.

The kernels release the GIL and work on a range of tickets or instances, so :func:`run`
spreads them over threads, one per core, a few ranges each. A calendar lookup is a binary
search that starts from the interval of the previous lookup of the same instance (instants
only move forward), so most lookups cost a comparison or two. The semantics are spelled out
in :mod:`supportops.core.sla` and docs/sla.md; the slow reference in tests/reference_sla.py
checks them under Hypothesis.

Calendars come flattened too: calendar ``c`` owns ``starts/ends/before/after[off[c]:off[c+1]]``
(the compiled :class:`~supportops.core.clock.Clock` arrays).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from supportops.core.timeline import FOREVER  # an instant later than any real one

#: business seconds of a segment that never ends (35,000 years)
INF = 2**40
# metric codes, in the order of supportops.core.sla.METRICS
FR, NR, PU, RES, TOTAL = 0, 1, 2, 3, 4


@njit(cache=True, nogil=True)
def instances(
    lo: int,
    hi: int,
    fill: bool,
    off: np.ndarray,
    created: np.ndarray,
    c_off: np.ndarray,
    c_start: np.ndarray,
    c_stop: np.ndarray,
    c_cycle: np.ndarray,
    r_off: np.ndarray,
    r_t: np.ndarray,
    r_agent: np.ndarray,
    a_off: np.ndarray,
    a_t: np.ndarray,
    s_off: np.ndarray,
    s_t: np.ndarray,
    q_off: np.ndarray,
    q_t: np.ndarray,
    new_cycle: bool,
    from_change: bool,
    as_of: int,
    targets: np.ndarray,
    calendar: np.ndarray,
    tix: np.ndarray,
    metric: np.ndarray,
    cycle: np.ndarray,
    instance: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    target: np.ndarray,
    cal: np.ndarray,
) -> None:
    """The clock instances of tickets [lo, hi), metric by metric in code order, each by
    start. Without ``fill``: only count them, into ``off[i + 1]``. With ``fill``: write
    ticket ``i``'s from ``off[i]``: ``tix, metric, cycle, instance`` (1-based within ticket
    and metric), ``start, stop`` (-1 while running), ``target`` (from ``targets``, metric ×
    ticket; -1: none) and ``cal`` (the ticket's ``calendar``).

    The per-ticket lists are sorted, so "the next X at or after t" is a binary search in
    the ticket's slice (closures, as in :func:`measure`)."""

    def first_at(x: np.ndarray, t: int, lo: int, hi: int) -> int:
        """The first instant in x[lo:hi] (sorted) at or after ``t``, or -1."""
        k, end = lo, hi
        while k < end:
            mid = (k + end) >> 1
            if x[mid] < t:
                k = mid + 1
            else:
                end = mid
        return x[k] if k < hi else -1

    def cycle_at(t: int, lo: int, hi: int) -> int:
        """The cycle of c_*[lo:hi] in progress at ``t`` (the last begun by then), or 1."""
        k, end = lo, hi
        while k < end:
            mid = (k + end) >> 1
            if c_start[mid] <= t:
                k = mid + 1
            else:
                end = mid
        return c_cycle[k - 1] if k > lo else 1

    def earliest(x: int, y: int) -> int:
        """The earlier of two instants where -1 is none."""
        if x < 0:
            return y
        if y < 0:
            return x
        return min(x, y)

    for i in range(lo, hi):
        base = off[i]
        n = 0
        a0, a1 = a_off[i], a_off[i + 1]
        c0, c1 = c_off[i], c_off[i + 1]
        s0, s1 = s_off[i], s_off[i + 1]
        # first response: from creation to the first public agent reply at or after it
        if fill:
            metric[base] = FR
            cycle[base] = 1
            start[base] = created[i]
            stop[base] = first_at(a_t, created[i], a0, a1)
        n += 1
        # next reply: a customer message right after an agent's starts a clock that the
        # next agent reply (or the solve) stops
        for j in range(r_off[i] + 1, r_off[i + 1]):
            if r_agent[j] or not r_agent[j - 1]:
                continue
            if fill:
                t = r_t[j]
                metric[base + n] = NR
                cycle[base + n] = cycle_at(t, c0, c1)
                start[base + n] = t
                stop[base + n] = earliest(first_at(a_t, t, a0, a1), first_at(s_t, t, s0, s1))
            n += 1
        # periodic update: each agent update (the last of those sharing a second) to the
        # next one or the solve, if that comes later
        for j in range(a0, a1):
            t = a_t[j]
            if j + 1 < a1 and a_t[j + 1] == t:
                continue
            end = earliest(a_t[j + 1] if j + 1 < a1 else -1, first_at(s_t, t, s0, s1))
            if 0 <= end <= t:
                continue
            if fill:
                metric[base + n] = PU
                cycle[base + n] = cycle_at(t, c0, c1)
                start[base + n] = t
                stop[base + n] = end
            n += 1
        # resolution: one clock per cycle, or one from creation to the last cycle's stop
        total_stop = c_stop[c1 - 1]
        for k in range(c0, c1 if new_cycle else c0 + 1):
            if fill:
                metric[base + n] = RES
                cycle[base + n] = c_cycle[k] if new_cycle else 1
                start[base + n] = c_start[k] if new_cycle else created[i]
                stop[base + n] = c_stop[k] if new_cycle else total_stop
            n += 1
        if fill:
            metric[base + n] = TOTAL
            cycle[base + n] = 1
            start[base + n] = created[i]
            stop[base + n] = total_stop
        n += 1
        if not fill:
            off[i + 1] = n
            continue
        q0, q1 = q_off[i], q_off[i + 1]
        pos = 0
        for j in range(base, base + n):
            tix[j] = i
            target[j] = targets[metric[j], i]
            cal[j] = calendar[i]
            pos = pos + 1 if j > base and metric[j] == metric[j - 1] else 1
            instance[j] = pos
            if stop[j] > as_of:
                stop[j] = -1
            # with from_change, a first-response or resolution clock whose priority changed
            # while it ran restarts at the last change before its stop (or as_of)
            if from_change and q1 > q0 and (metric[j] == FR or metric[j] == RES):
                horizon = stop[j] if stop[j] >= 0 else as_of
                k = q1 - 1
                while k >= q0 and q_t[k] > horizon - 1:
                    k -= 1
                if k >= q0 and q_t[k] > start[j]:
                    start[j] = q_t[k]


@njit(cache=True, nogil=True)
def measure(
    lo: int,
    hi: int,
    tix: np.ndarray,
    metric: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    target: np.ndarray,
    cal: np.ndarray,
    p_off: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
    p_bits: np.ndarray,
    k_off: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    share_num: np.ndarray,
    share_den: np.ndarray,
    order: np.ndarray,
    closing: bool,
    as_of: int,
    out: np.ndarray,
    elapsed: np.ndarray,
    paused: np.ndarray,
    status: np.ndarray,
    level: np.ndarray,
    unreachable: np.ndarray,
) -> None:
    """Measure instances [lo, hi): walk each one's running segments once, measuring them
    and finding where its running time reaches the target and each warning fraction of it.

    ``p_bits`` has bit ``m`` set on a status period that pauses metric ``m``;
    ``share_num / share_den`` are the ladder's fractions; ``order`` ranks the deadline (0)
    and the levels (1 + v) by fraction, smallest first: their amounts come in that order
    for every target. Writes ``out[0]`` (the deadline)
    and ``out[1 + v]`` (when level ``v`` is crossed), -1 for none; ``elapsed, paused``;
    ``status`` in ClockStatus order (met, breached, running, paused, not_applicable);
    ``level`` (-1 below the first); ``unreachable`` 1 where the calendar has no business
    time in reach of an instant asked for.

    The calendar lookups are closures over the calendar arrays rather than functions that
    take them: Numba inlines a closure without the reference counting that passing an
    array costs (half the kernel's time otherwise)."""

    def business(t: int, k0: int, k1: int, hint: int) -> tuple[int, int]:
        """Business seconds from the calendar's origin to ``t`` (Clock.business), and the
        interval looked at. ``hint`` (or -1): an interval at or before it."""
        if k1 == k0 or t < starts[k0]:
            return 0, hint
        if hint >= 0 and (hint + 1 == k1 or starts[hint + 1] > t):
            idx = hint  # still in the same interval (or the gap after it)
        else:
            idx, end = max(hint, k0), k1  # the last interval that starts by t
            while idx < end:
                mid = (idx + end) >> 1
                if starts[mid] <= t:
                    idx = mid + 1
                else:
                    end = mid
            idx -= 1
        return before[idx] + max(min(t - starts[idx], ends[idx] - starts[idx]), 0), idx

    def at_business(goal: int, k0: int, k1: int, hint: int) -> tuple[int, int]:
        """The instant the business counter reaches ``goal`` (Clock.at_business) and its
        interval; -2 when the calendar does not reach that far. ``hint`` (or -1): an
        interval at or before the answer, from a smaller goal."""
        if k1 == k0 or goal > after[k1 - 1]:
            return -2, hint
        if hint >= 0 and (after[hint] > goal or (closing and after[hint] == goal)):
            idx = hint
        else:
            idx, end = max(hint, k0), k1  # the first interval whose counter reaches goal
            while idx < end:
                mid = (idx + end) >> 1
                if after[mid] < goal or (not closing and after[mid] == goal):
                    idx = mid + 1
                else:
                    end = mid
            idx = min(idx, k1 - 1)
        return starts[idx] + goal - before[idx], idx

    levels = len(share_num)
    amounts = np.empty(levels + 1, dtype=np.int64)
    for j in range(lo, hi):
        k0, k1 = k_off[cal[j]], k_off[cal[j] + 1]
        has_target = target[j] >= 0
        tgt = max(target[j], 0)
        amounts[0] = tgt
        out[0, j] = -1
        level[j] = -1
        for v in range(levels):
            # ⌈fraction × target⌉ exactly, in integers
            amounts[v + 1] = (tgt * share_num[v] + share_den[v] - 1) // share_den[v]
            out[v + 1, j] = -1
        crossed = 0  # amounts (in ``order``: ascending) crossed so far
        hint = -1  # the calendar interval of the last crossing
        seen = -1  # the calendar interval of the last segment boundary
        is_stopped = stop[j] >= 0
        h = stop[j] if is_stopped else as_of
        cap = business(h, k0, k1, -1)[0]
        bit = 1 << metric[j]
        q, p1 = p_off[tix[j]], p_off[tix[j] + 1]
        # running segments [s, e): the span minus the pausing periods; the last one is open
        s = start[j]
        run_total = 0  # business seconds running up to the stop or as_of
        cum = 0  # business seconds along the segments so far (an open one counts INF)
        first_bs = -1
        while True:
            # the next pause of this instance, if any: [ps, pe)
            ps, pe = FOREVER, FOREVER
            have_pause = False
            while q < p1:
                if p_bits[q] & bit:
                    a = max(p_start[q], start[j])
                    current = (not is_stopped) and p_end[q] == FOREVER
                    b = FOREVER if current else min(p_end[q], h)
                    if b > a and (a < h or current):
                        ps, pe = a, b
                        have_pause = True
                        q += 1
                        break
                q += 1
            e = ps if have_pause else FOREVER
            never = s >= FOREVER  # after a pause that has not ended
            open_ended = e >= FOREVER
            bs, be = 0, 0
            if not never:
                bs, seen = business(s, k0, k1, seen)
            if not open_ended:
                be, seen = business(e, k0, k1, seen)
            if first_bs < 0:
                first_bs = bs
            full = 0
            if not never:
                full = INF if open_ended else max(be - bs, 0)
                run_total += max(min(cap if open_ended else be, cap) - min(bs, cap), 0)
            # the amounts this segment's running time reaches, smallest first
            while has_target and crossed <= levels and cum + full >= amounts[order[crossed]]:
                v = order[crossed]
                at, hint = at_business(bs + amounts[v] - cum, k0, k1, hint)
                if at == -2:
                    unreachable[j] = 1
                out[v, j] = max(at, s)
                crossed += 1
            cum += full
            if not have_pause:
                break
            s = pe
        elapsed[j] = run_total
        paused[j] = max(max(cap - first_bs, 0) - run_total, 0)
        if not has_target:
            status[j] = 4
        elif run_total > tgt:
            status[j] = 1
        elif is_stopped:
            status[j] = 0
        elif s > h:  # the last segment starts after the horizon: paused at as_of
            status[j] = 3
        else:
            status[j] = 2
        if has_target:
            for v in range(levels):
                if run_total > amounts[v + 1]:
                    level[j] = v


#: threads the kernels are spread over
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
#: rows a thread gets at least (fewer are not worth a thread)
MIN_PART = 20_000


def run(kernel: Callable[..., None], n: int, *args: object) -> None:
    """Run ``kernel(lo, hi, *args)`` over [0, n) in contiguous parts on one thread per core
    (the kernels release the GIL and write disjoint rows). There are a few parts per thread,
    so that a thread slowed down by the rest of the machine takes fewer of them."""
    parts = min(4 * THREADS, max(1, n // MIN_PART))
    if parts == 1:
        kernel(0, n, *args)
        return
    bounds = [n * k // parts for k in range(parts + 1)]
    with ThreadPoolExecutor(min(THREADS, parts)) as pool:
        futures = [pool.submit(kernel, bounds[k], bounds[k + 1], *args) for k in range(parts)]
        for f in futures:
            f.result()
