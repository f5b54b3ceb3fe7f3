"""Reading the policy file: YAML → typed :class:`Policy`, with every problem on its own line
as ``file: path.to.field: message``; finding the policy a command should use."""

from __future__ import annotations

import os
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from supportops.errors import PolicyError
from supportops.policy.durations import TargetKind
from supportops.policy.policy import Policy

__all__ = [
    "DEFAULT_PATH",
    "DEFAULT_POLICY_YAML",
    "default_policy",
    "find_policy",
    "load_policy",
    "parse_policy",
]

#: The file ``policy init`` writes and commands look for in the working directory.
DEFAULT_PATH = Path("supportops.policy.yaml")
DEFAULT_POLICY_YAML: str = files("supportops.policy").joinpath("default.yaml").read_text("utf-8")
BUILT_IN = "built-in default"


class _Loader(yaml.SafeLoader):
    """YAML 1.2-style scalars: ``13:00`` stays a string (not 780), ``NO``/``on`` stay strings
    (not booleans), ``010`` stays a string (not 8). Duplicate keys are an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":bool", ":int", ":float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def _yaml(text: str, file: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top)"
        problem = exc.problem or exc.context or "YAML syntax error"
        raise PolicyError([f"{file}: {where}: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([f"{file}: (top): {exc}"]) from None


@cache
def default_data() -> dict[str, Any]:
    data = _yaml(DEFAULT_POLICY_YAML, BUILT_IN)
    assert isinstance(data, dict)
    return data


def _loc(parts: tuple[int | str, ...]) -> str:
    shown = [str(p) for p in parts if not (isinstance(p, str) and p.startswith("~"))]
    return ".".join(shown) or "(top)"


def _message(error: Any) -> str:
    kind, msg = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        return "unknown key; check the spelling (docs/policy.md lists every key)"
    if kind == "missing":
        return "required key is missing"
    return msg.removeprefix("Value error, ")


def _pydantic_problems(exc: ValidationError, file: str) -> list[str]:
    out = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = _message(error)
        if loc and loc[-1] == "[key]":
            loc, message = loc[:-1], f"bad key: {message}"
        line = f"{file}: {_loc(loc)}: {message}"
        if line not in out:
            out.append(line)
    return out


def cross_checks(policy: Policy) -> list[tuple[tuple[int | str, ...], str]]:
    """Problems that need more than one section: references, order, reachability."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    names = ", ".join(policy.calendars)
    for name, calendar in policy.calendars.items():
        if not calendar.hours.always and not any(calendar.hours.windows):
            problems.append((("calendars", name, "hours"), "no opening window: add one"))
    rules = policy.sla.rules
    tiers = policy.customer_tiers.multipliers
    for i, rule in enumerate(rules):
        where: tuple[int | str, ...] = ("sla", "rules", i)
        if rule.calendar not in policy.calendars:
            problems.append(
                ((*where, "calendar"), f"unknown calendar {rule.calendar!r}; defined: {names}")
            )
        if rule.when.empty and i < len(rules) - 1:
            problems.append(
                (
                    (*where, "when"),
                    "only the last rule may have no conditions: the rules "
                    "after it could never match",
                )
            )
        for tier in rule.when.customer_tier or []:
            if tier not in tiers:
                problems.append(
                    (
                        (*where, "when", "customer_tier"),
                        f"unknown customer tier {tier!r}; defined: {', '.join(tiers)}",
                    )
                )
        problems += _target_checks(rule.targets, (*where, "targets"))
    if not rules[-1].when.empty:
        problems.append(
            (
                ("sla", "rules"),
                "the last rule must have no conditions (the default rule): add "
                "one such as {name: default, calendar: business} at the end",
            )
        )
    problems += _target_checks(policy.sla.targets, ("sla", "targets"))
    ladder = policy.warning_ladder
    for i in range(1, len(ladder)):
        if ladder[i].at <= ladder[i - 1].at:
            problems.append(
                (("warning_ladder", i, "at"), "levels must come in increasing order of 'at'")
            )
    levels = [step.level for step in ladder]
    for i, level in enumerate(levels):
        if level in levels[:i]:
            problems.append((("warning_ladder", i, "level"), f"level {level!r} is used twice"))
    problems += _severity_checks(policy)
    return problems


def _target_checks(matrix: Any, where: tuple[int | str, ...]) -> list[tuple[Any, str]]:
    out = []
    for priority, cells in matrix.items():
        for metric, target in cells.items():
            if target.kind is TargetKind.ON_STATUS_CHANGE and metric != "periodic_update":
                out.append(
                    ((*where, priority, metric), "on_status_change is only for periodic_update")
                )
    return out


def _severity_checks(policy: Policy) -> list[tuple[Any, str]]:
    known = set(policy.severity.levels)
    defined = ", ".join(policy.severity.levels)
    out: list[tuple[Any, str]] = []

    def check(value: str, loc: tuple[int | str, ...]) -> None:
        if value not in known:
            out.append((loc, f"severity {value!r} is not defined in severity.levels ({defined})"))

    matrix = policy.severity.decision_matrix.matrix
    for impact, row in matrix.items():
        for users, value in row.items():
            check(value, ("severity", "decision_matrix", "matrix", impact, users))
    for name in policy.escalation_paths:
        check(name, ("escalation_paths", name))
    for i, value in enumerate(policy.escalation.severities):
        check(value, ("escalation", "severities", i))
    for i, trigger in enumerate(policy.handoff_triggers):
        for j, value in enumerate(trigger.severities):
            check(value, ("handoff_triggers", i, "severities", j))
    return out


def parse_policy(text: str, file: str, base_dir: Path | None = None) -> Policy:
    """A validated policy from YAML text; ``file`` names it in messages, ``base_dir`` anchors
    relative paths (iCal files)."""
    data = _yaml(text, file)
    if data is None:
        raise PolicyError(
            [f"{file}: (top): the file is empty; run `supportops policy init` for a default"]
        )
    if not isinstance(data, dict):
        raise PolicyError([f"{file}: (top): the policy must be a YAML mapping of sections"])
    try:
        policy = Policy.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        raise PolicyError(_pydantic_problems(exc, file)) from None
    problems = [f"{file}: {_loc(loc)}: {msg}" for loc, msg in cross_checks(policy)]
    if problems:
        raise PolicyError(problems)
    policy._source = file
    return policy


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([f"{path}: (top): no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"{path}: (top): cannot read it: {exc}"]) from None
    return parse_policy(text, str(path), path.parent)


@cache
def _default() -> Policy:
    return parse_policy(DEFAULT_POLICY_YAML, BUILT_IN)


def default_policy() -> Policy:
    """The built-in policy (the industry defaults of docs/policy.md)."""
    return _default()


def find_policy(path: Path | None = None) -> Policy:
    """The policy a command uses: ``path``, else ``$SUPPORTOPS_POLICY``, else
    ``./supportops.policy.yaml`` when present, else the built-in default."""
    if path is not None:
        return load_policy(path)
    env = os.environ.get("SUPPORTOPS_POLICY")
    if env:
        return load_policy(Path(env))
    if DEFAULT_PATH.is_file():
        return load_policy(DEFAULT_PATH)
    return default_policy()
