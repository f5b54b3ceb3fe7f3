"""The ``supportops`` command line: parse, call the library, render, map errors.

Exit codes: 0 success, 1 a user error (the message says how to fix it), 2 bad usage.
"""

from __future__ import annotations

from supportops.cli import data_cmds as _data_cmds  # registers the commands on ``app``
from supportops.cli import metrics_cmds as _metrics_cmds
from supportops.cli import policy_cmds as _policy_cmds
from supportops.cli import review_cmds as _review_cmds
from supportops.cli import serve_cmds as _serve_cmds
from supportops.cli import sla_cmds as _sla_cmds
from supportops.cli import tracker_cmds as _tracker_cmds
from supportops.cli.app import app

__all__ = ["app", "main"]
del _data_cmds, _metrics_cmds, _policy_cmds, _review_cmds, _serve_cmds, _sla_cmds, _tracker_cmds


def main() -> None:
    app(prog_name="supportops")
