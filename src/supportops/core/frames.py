"""Small helpers on Polars frames shared by the core and the store."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["in_order"]


def in_order(frame: pl.DataFrame, keys: Sequence[str]) -> bool:
    """Is the frame already sorted by ``keys`` (no nulls in them)? One pass, no sort: the
    store returns timelines in order, and re-sorting ten million rows costs seconds."""
    if frame.height < 2:
        return True
    later = pl.lit(False)
    ties = pl.lit(True)
    for k in keys:
        nxt = pl.col(k).shift(-1)
        later = later | (ties & (nxt > pl.col(k)))
        ties = ties & (nxt == pl.col(k))
    return bool(frame.select((later | ties).slice(0, frame.height - 1).all()).item())
