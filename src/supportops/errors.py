"""Errors raised by supportops.

Every error a user can cause derives from :class:`SupportOpsError`; the CLI catches that one
class, prints its message and exits 1. Third-party errors are translated where they happen
(``raise ... from exc``) so no traceback reaches the user.

    SupportOpsError
    ├── ConfigError          settings, database URL, missing optional extra
    ├── StoreError           the database could not be opened, migrated or written
    ├── InputError           bad input data (an import file, a ticket id on the command line)
    │   └── RowError         one record of one file: file, line or record, field, message
    ├── PolicyError          the policy file (one line per problem)
    └── NotifyError          a notification (Slack) could not be delivered; never shows secrets
"""

from __future__ import annotations


class SupportOpsError(Exception):
    """Base class of every error a user can cause; its message says how to fix it."""


class ConfigError(SupportOpsError):
    """Settings, database URL or a missing optional dependency."""


class StoreError(SupportOpsError):
    """The store could not be opened, migrated, read or written."""


class InputError(SupportOpsError):
    """Input data that cannot be used as given."""


class RowError(InputError):
    """One bad record in one input file.

    ``line`` is the 1-based physical line for text formats (CSV, JSONL) or the record number
    for structured ones (a JSON array element, an XES trace); ``field`` names the column or key.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        field: str | None,
        message: str,
        *,
        unit: str = "line",
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        self.unit = unit
        where = file
        if line is not None:
            where += f", {unit} {line}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class NotifyError(SupportOpsError):
    """A notification could not be delivered. The message names the service's answer and at
    most the scheme and host of a webhook URL (its path holds the secret token)."""


class PolicyError(SupportOpsError):
    """The policy file is invalid; ``problems`` holds one ``file: loc.path: message`` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
