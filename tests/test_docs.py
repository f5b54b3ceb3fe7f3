"""The docs stay true: every command the README shows exists, and the demo output it shows
is what the demo prints."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supportops.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def readme_commands() -> list[list[str]]:
    """`supportops …` invocations in the README's sh blocks and `$ supportops …` prompts."""
    found = []
    in_sh = False
    for line in README.splitlines():
        if line.startswith("```"):
            in_sh = line.strip() == "```sh"
            continue
        text = line.strip()
        if text.startswith("$ supportops"):
            pieces = [text.removeprefix("$ ")]
        elif in_sh:
            pieces = text.split("#", 1)[0].split("&&")
        else:
            continue
        for piece in pieces:
            words = shlex.split(piece)
            if words[:1] == ["supportops"]:
                found.append(words[1:])
    return found


COMMANDS = readme_commands()


def test_readme_shows_commands() -> None:
    assert ["demo"] in COMMANDS
    assert ["review"] in COMMANDS


@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w))
def test_every_readme_command_exists(words: list[str]) -> None:
    # the command path is the words before the first option or argument value
    path = []
    for w in words:
        if w.startswith("-") or "/" in w or ":" in w or "." in w:
            break
        path.append(w)
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, (path, result.output)


def test_readme_demo_output_is_what_the_demo_prints() -> None:
    shown = README.split("$ supportops demo\n", 1)[1].split("```", 1)[0].strip()
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0
    assert result.stdout.strip() == shown
