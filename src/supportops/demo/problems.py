"""The catalogue of recurring problems the demo's tickets are written from.

A :class:`Problem` is one underlying cause (an SSO loop after an IdP certificate rotation,
429s below the documented rate limit …) with many ways a customer describes it: subject
templates, symptom sentences, context sentences and slot values. Tickets of one problem share
its ``problem_id`` in the ground truth; about 30 % of tickets are one-offs (``problem_id``
``"none"``, see :mod:`supportops.demo.oneoffs`).

The catalogue text lives in modules by product area (``catalog_access``, ``catalog_api``,
``catalog_platform``, ``catalog_business``); this module holds the type, the category mix
and the time profiles.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import numpy as np

#: Ticket categories and their share of tickets (seed 001: login 22 %, API errors 18 %,
#: billing 15 %; the rest spread over the other areas of a B2B SaaS product).
CATEGORIES: tuple[tuple[str, float], ...] = (
    ("login", 0.22),
    ("api", 0.18),
    ("billing", 0.15),
    ("integrations", 0.10),
    ("data_import", 0.09),
    ("performance", 0.07),
    ("notifications", 0.06),
    ("reporting", 0.05),
    ("account_admin", 0.05),
    ("how_to", 0.03),
)
CATEGORY_NAMES = tuple(c for c, _ in CATEGORIES)
#: Share of tickets written from a recurring problem; the rest are one-offs.
RECURRING_SHARE = 0.70
NONE = "none"  # the problem_id of one-off tickets

#: Priority mixes P1..P5 by how urgent a problem tends to be. The overall mix lands near
#: P1 2 %, P2 10 %, P3 45 %, P4 30 %, P5 13 %.
URGENCY: dict[str, tuple[float, ...]] = {
    "high": (0.07, 0.26, 0.50, 0.14, 0.03),
    "normal": (0.012, 0.085, 0.49, 0.31, 0.103),
    "low": (0.004, 0.04, 0.36, 0.42, 0.176),
    "request": (0.0, 0.005, 0.12, 0.30, 0.575),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One recurring problem and the words customers use for it.

    Templates use ``{slot}`` fields filled from ``slots`` or from the common slots of
    :mod:`supportops.demo.text` (``{app}``, ``{browser}``, ``{since}``, ``{n_users}``,
    ``{plan}``, ``{ws}``, ``{req}``, ``{org}``).
    """

    id: str
    category: str
    product_area: str
    title: str
    subjects: tuple[str, ...]
    symptoms: tuple[str, ...]
    context: tuple[str, ...]
    cause: str
    steps: tuple[str, ...]
    kb_title: str
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    weight: float = 1.0  # relative frequency within the category
    escalation: float = 1.0  # relative tendency to escalate
    elevation: float = 0.15  # chance of reaching L2 before a KB article exists
    l3: float = 0.03  # chance of reaching L3 (engineering)
    urgency: str = "normal"
    rounds: tuple[int, int] = (0, 2)  # customer round trips before the fix, inclusive
    type: str = "incident"
    #: Time profile over the demo span (fractions 0..1): ("burst", centre, width, height),
    #: ("from", start) or ("until", end). Empty: steady.
    profile: tuple[tuple[float | str, ...], ...] = ()

    def fields(self) -> set[str]:
        """Every ``{slot}`` its templates use."""
        out: set[str] = set()
        for text in (*self.subjects, *self.symptoms, *self.context):
            out.update(f for _, f, _, _ in string.Formatter().parse(text) if f)
        return out


def rate(problem: Problem, position: np.ndarray) -> np.ndarray:
    """The problem's relative frequency at each position (0 = first day, 1 = last day)."""
    out = np.full(position.shape, problem.weight, dtype=float)
    for item in problem.profile:
        kind, *args = item
        if kind == "burst":
            centre, width, height = (float(a) for a in args)
            out += problem.weight * height * np.exp(-0.5 * ((position - centre) / width) ** 2)
        elif kind == "from":
            out *= 1.0 / (1.0 + np.exp(-(position - float(args[0])) * 60.0))
        elif kind == "until":
            out *= 1.0 / (1.0 + np.exp((position - float(args[0])) * 60.0))
        else:  # pragma: no cover - a catalogue typo
            raise ValueError(f"unknown profile {kind!r} on {problem.id}")
    return out


def catalogue() -> tuple[Problem, ...]:
    """Every recurring problem, in a fixed order (the order is part of determinism)."""
    from supportops.demo import catalog_access, catalog_api, catalog_business, catalog_platform

    problems = (
        *catalog_access.PROBLEMS,
        *catalog_api.PROBLEMS,
        *catalog_platform.PROBLEMS,
        *catalog_business.PROBLEMS,
    )
    ids = [p.id for p in problems]
    if len(set(ids)) != len(ids):  # pragma: no cover - a catalogue typo
        raise ValueError("duplicate problem ids in the demo catalogue")
    return problems
