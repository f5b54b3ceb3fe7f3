"""A browser tab under test: the Playwright page plus what it requested and said."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Screenshots of every page, kept as test artifacts (git-ignored).
SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"


@dataclass
class Tab:
    """A page with everything it asked for and everything it said."""

    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.status == 200, f"{path}: HTTP {response.status}"
        return response

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def off_host(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).hostname != "127.0.0.1"]
