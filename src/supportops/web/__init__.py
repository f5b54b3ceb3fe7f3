"""The web dashboard: server-rendered pages and the JSON API behind them (``supportops serve``).

from supportops.web import create_app
app = create_app("sqlite:///supportops.db", default_policy())
"""

from supportops.web.app import create_app
from supportops.web.dashboard import Dashboard

__all__ = ["Dashboard", "create_app"]
