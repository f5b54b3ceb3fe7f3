"""supportops: support operations on the tickets a help desk already has.

The library behind the ``supportops`` command::

    from supportops import Store, run_import, find_policy, run_clocks

    store = Store.open("sqlite:///supportops.db")
    run_import(store, "zendesk", [Path("exports/")], ImportOptions(timezone="UTC"))
    clocks = run_clocks(store, find_policy(None)).clocks
"""

from importlib.metadata import PackageNotFoundError, version

from supportops.clocks import ClockRun, run_clocks
from supportops.core.clock import AtClosing, Closure, Schedule
from supportops.core.sla import ClockStatus, EngineConfig, Metric, compute_clocks
from supportops.core.timeline import derive
from supportops.demo import generate_demo
from supportops.errors import (
    ConfigError,
    InputError,
    PolicyError,
    RowError,
    StoreError,
    SupportOpsError,
)
from supportops.importers import IMPORTERS, ImportOptions, run_import
from supportops.model import (
    Agent,
    Article,
    Calendar,
    Event,
    EventKind,
    Group,
    Organization,
    Status,
    Ticket,
    scoped,
)
from supportops.policy import Policy, default_policy, find_policy, load_policy
from supportops.store import Store

try:
    __version__ = version("supportops")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "IMPORTERS",
    "Agent",
    "Article",
    "AtClosing",
    "Calendar",
    "ClockRun",
    "ClockStatus",
    "Closure",
    "ConfigError",
    "EngineConfig",
    "Event",
    "EventKind",
    "Group",
    "ImportOptions",
    "InputError",
    "Metric",
    "Organization",
    "Policy",
    "PolicyError",
    "RowError",
    "Schedule",
    "Status",
    "Store",
    "StoreError",
    "SupportOpsError",
    "Ticket",
    "__version__",
    "compute_clocks",
    "default_policy",
    "derive",
    "find_policy",
    "generate_demo",
    "load_policy",
    "run_clocks",
    "run_import",
    "scoped",
]
