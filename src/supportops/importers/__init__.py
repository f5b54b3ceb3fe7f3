"""Importers: each reads one kind of help-desk export into the canonical model.

``run_import`` streams an importer's records into the store inside one transaction, so a bad
file leaves the store exactly as it was, and re-importing the same data changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from supportops.errors import InputError
from supportops.importers.base import Importer, ImportOptions, NullProgress, Progress
from supportops.store import Store

__all__ = [
    "IMPORTERS",
    "ImportOptions",
    "Importer",
    "get_importer",
    "importer_class",
    "run_import",
]


#: Importer classes by source name, imported only when used.
_REGISTRY = {
    "supportops": "supportops.importers.interchange:InterchangeImporter",
    "eventlog": "supportops.importers.eventlog:EventLogImporter",
    "servicenow": "supportops.importers.servicenow:ServiceNowImporter",
    "zendesk": "supportops.importers.zendesk:ZendeskImporter",
}
IMPORTERS: tuple[str, ...] = tuple(_REGISTRY)


def importer_class(source: str) -> type[Importer]:
    if source not in _REGISTRY:
        raise InputError(f"unknown source {source!r}: choose one of {', '.join(IMPORTERS)}")
    module, _, name = _REGISTRY[source].partition(":")
    cls: type[Importer] = getattr(importlib.import_module(module), name)
    return cls


def get_importer(
    source: str, options: ImportOptions | None = None, progress: Progress | None = None
) -> Importer:
    return importer_class(source)(options, progress)


def run_import(
    store: Store,
    source: str,
    paths: Sequence[Path],
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Import ``paths`` with the named importer; returns counts of what was written."""
    importer = get_importer(source, options, progress or NullProgress())
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
    with store.writer(importer.name, [str(p) for p in paths], importer.where) as writer:
        for record in importer.records(list(paths)):
            writer.add(record)
    return writer.counts
