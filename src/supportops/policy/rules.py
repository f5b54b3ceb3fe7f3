"""SLA rule matching: one ticket at a time (the reference) and whole frames at once.

A rule's conditions hold when every key it names holds; a key lists the values that match,
compared case-insensitively after trimming. A ticket whose field is missing (null) matches no
list of that field. Tags: ``tags_any`` needs one of the tags, ``tags_all`` every one,
``tags_none`` none of them (a ticket without tags satisfies ``tags_none``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import reduce

import polars as pl

from supportops.policy.models import Conditions, SlaRule

#: Frame columns that conditions read, by condition key.
COLUMNS = {
    "priority": "priority",
    "customer_tier": "customer_tier",
    "category": "category",
    "group": "group",
    "channel": "channel",
}
TAGS = "tags"


def _norm(value: object) -> str | None:
    return None if value is None else str(value).strip().lower()


def matches(
    when: Conditions,
    *,
    priority: str | None = None,
    customer_tier: str | None = None,
    category: str | None = None,
    group: str | None = None,
    channel: str | None = None,
    tags: Iterable[str | None] | None = None,
) -> bool:
    """Whether one ticket meets ``when`` (the slow, obvious reference)."""
    fields = {
        "priority": priority,
        "customer_tier": customer_tier,
        "category": category,
        "group": group,
        "channel": channel,
    }
    for key, value in fields.items():
        allowed = getattr(when, key)
        if allowed is not None and _norm(value) not in {v.lower() for v in allowed}:
            return False
    have = {t for t in (_norm(x) for x in (tags or ())) if t is not None}
    if when.tags_any is not None and not have & set(when.tags_any):
        return False
    if when.tags_all is not None and not set(when.tags_all) <= have:
        return False
    return not (when.tags_none is not None and have & set(when.tags_none))


def first_match(rules: Sequence[SlaRule], **ticket: object) -> int:
    """Index of the first rule whose conditions the ticket meets (the last rule is the
    default and matches everything)."""
    for index, rule in enumerate(rules):
        if matches(rule.when, **ticket):  # type: ignore[arg-type]
            return index
    return len(rules) - 1


def required_columns(rules: Sequence[SlaRule]) -> set[str]:
    need: set[str] = set()
    for rule in rules:
        for key, column in COLUMNS.items():
            if getattr(rule.when, key) is not None:
                need.add(column)
        if any(getattr(rule.when, k) is not None for k in ("tags_any", "tags_all", "tags_none")):
            need.add(TAGS)
    return need


def _has_tag(tag: str) -> pl.Expr:
    return (
        pl.col(TAGS)
        .list.eval((pl.element().str.strip_chars().str.to_lowercase() == tag).fill_null(False))
        .list.any()
        .fill_null(False)
    )


def expression(when: Conditions) -> pl.Expr:
    """A boolean Polars expression equal to :func:`matches` on every row."""
    parts: list[pl.Expr] = []
    for key, column in COLUMNS.items():
        allowed = getattr(when, key)
        if allowed is not None:
            values = pl.Series([v.lower() for v in allowed], dtype=pl.String)
            text = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()
            parts.append(text.is_in(values).fill_null(False))
    if when.tags_any is not None:
        parts.append(reduce(lambda a, b: a | b, [_has_tag(t) for t in when.tags_any]))
    if when.tags_all is not None:
        parts.append(reduce(lambda a, b: a & b, [_has_tag(t) for t in when.tags_all]))
    if when.tags_none is not None:
        parts.append(~reduce(lambda a, b: a | b, [_has_tag(t) for t in when.tags_none]))
    if not parts:
        return pl.lit(True)
    return reduce(lambda a, b: a & b, parts)


def assign(rules: Sequence[SlaRule], frame: pl.DataFrame) -> pl.Series:
    """The index of the first matching rule for each row of ``frame`` (``Int32``, named
    ``rule``). Reads the columns the conditions need: priority, customer_tier, category,
    group, channel (strings) and tags (a list of strings)."""
    missing = sorted(required_columns(rules) - set(frame.columns))
    if missing:
        raise KeyError(f"the SLA rules need the columns {', '.join(missing)}")
    default = len(rules) - 1
    if default == 0 or frame.height == 0:
        return pl.Series("rule", [default] * frame.height, dtype=pl.Int32)
    out: pl.Expr = pl.lit(default, dtype=pl.Int32)
    for index in range(default - 1, -1, -1):  # innermost is the last conditional rule
        out = (
            pl.when(expression(rules[index].when))
            .then(pl.lit(index, dtype=pl.Int32))
            .otherwise(out)
        )
    return frame.select(out.alias("rule")).to_series()
