"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, against the
dashboard served by uvicorn on a free localhost port over a demo store built once.

Without Chromium (``/usr/bin/chromium``) or the ``playwright`` package these tests skip and
say how to enable them; with ``SUPPORTOPS_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail
instead. Screenshots of every page go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tabs import Tab

from live_server import AS_OF, build_demo_store, running, sample_review
from supportops.policy import default_policy
from supportops.web import create_app

CHROMIUM = os.environ.get("SUPPORTOPS_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("SUPPORTOPS_REQUIRE_BROWSER") == "1"  # read before _clean_env runs
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[test]')"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium is missing at {CHROMIUM} (apt install chromium; or SUPPORTOPS_CHROMIUM)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    problem = _missing()
    if problem:
        message = f"browser tests need a browser: {problem}"
        if REQUIRE:
            pytest.fail(message + " (SUPPORTOPS_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard over the demo org and the script ticket, with a sample weekly review."""
    url = build_demo_store(tmp_path_factory.mktemp("browser"))
    app = create_app(url, default_policy(), as_of=AS_OF, review=lambda *_: sample_review())
    with running(app) as base:
        yield base


@pytest.fixture
def tab(browser: Any, server: str) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    tab = Tab(page, server)
    page.on("request", lambda r: tab.requests.append(r.url))
    page.on("console", lambda m: tab.console.append(f"{m.type}: {m.text}"))

    def dialog(d: Any) -> None:
        tab.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    yield tab
    context.close()
    assert tab.off_host() == [], "a request left 127.0.0.1"
