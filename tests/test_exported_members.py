"""The public API is exactly what ``supportops.__all__`` says."""

from __future__ import annotations

import supportops


def test_all_exports_exist() -> None:
    for name in supportops.__all__:
        assert hasattr(supportops, name), name


def test_everything_public_is_exported() -> None:
    public = {
        name
        for name, value in vars(supportops).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("supportops")
    }
    assert public <= set(supportops.__all__), public - set(supportops.__all__)


def test_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    assert supportops.__version__ == version("supportops")
