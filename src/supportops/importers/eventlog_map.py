"""The YAML map of the event-log importer: which columns mean what, and rules that turn
activity, group and other values into canonical events.

``load_map`` reads a map (a file, or the name of a map shipped in ``importers/maps/``),
validates it with pydantic and reports every problem at once, one line each:
``file, line N: loc.path: message``. ``compile_rules`` turns the rules into plain tuples of
column names and predicates, built once, so the per-row work is a few dict lookups.
docs/importers/eventlog.md describes every key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from supportops.errors import InputError
from supportops.importers.base import zone
from supportops.model import (
    PRIORITIES,
    SEVERITIES,
    SUPPORT_TIERS,
    SURVEY_SCALES,
    AuthorRole,
    EscalationAction,
    EventKind,
    Status,
    TagAction,
)

__all__ = [
    "ACTIVITY",
    "BUILTIN_MAPS",
    "CompiledRule",
    "EventLogMap",
    "Rule",
    "Step",
    "compile_rules",
    "load_map",
]

#: Kinds a rule may emit (``created`` comes from the first row of a case; ``merge`` needs a
#: second ticket that an event log does not name).
RULE_KINDS = tuple(k.value for k in EventKind if k not in (EventKind.CREATED, EventKind.MERGE))
#: Kinds that hold a state: an event is emitted only when the value changes.
STATE_KINDS = frozenset(("status", "priority", "severity", "category", "group", "tier", "assignee"))
_FIXED = {
    "status": tuple(s.value for s in Status),
    "priority": PRIORITIES,
    "severity": SEVERITIES,
    "tier": SUPPORT_TIERS,
}
_ACTIONS = {
    "escalation": tuple(a.value for a in EscalationAction),
    "tag": tuple(a.value for a in TagAction),
}
#: Row key of the joined activity when ``columns.activity`` lists several columns.
ACTIVITY = "\x00activity"
_FROM = ("value_from", "body_from")
DOCS = "docs/importers/eventlog.md"
_MAPS = resources.files("supportops.importers") / "maps"
BUILTIN_MAPS = ("bpi2013", "generic_csv")


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _as_match(value: Any) -> Any:
    return {"equals": value} if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Columns(_Strict):
    case_id: str
    activity: Annotated[list[str], BeforeValidator(_as_list), Field(min_length=1)]
    timestamp: str
    resource: str | None = None
    group: str | None = None
    # ticket attributes: the last non-empty value of the case
    subject: str | None = None
    description: str | None = None
    requester: str | None = None
    organization: str | None = None
    channel: str | None = None
    category: str | None = None
    product_area: str | None = None
    type: str | None = None

    def ticket_fields(self) -> dict[str, str]:
        names = (
            "subject",
            "description",
            "requester",
            "organization",
            "channel",
            "category",
            "product_area",
            "type",
        )
        return {n: getattr(self, n) for n in names if getattr(self, n)}


class Match(_Strict):
    equals: str | None = None
    in_: list[str] | None = Field(None, alias="in")
    regex: str | None = None
    startswith: str | None = None
    endswith: str | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc})") from None
        return value

    @model_validator(mode="after")
    def _one_test(self) -> Match:
        if all(v is None for v in self.__dict__.values()):
            raise ValueError("give a test: equals, in, regex, startswith or endswith")
        return self

    def predicate(self) -> Callable[[str], bool]:
        tests: list[Callable[[str], bool]] = []
        if self.equals is not None:
            tests.append(self.equals.__eq__)
        if self.in_ is not None:
            tests.append(frozenset(self.in_).__contains__)
        if self.regex is not None:
            search = re.compile(self.regex).search
            tests.append(lambda v: search(v) is not None)
        if self.startswith is not None:
            prefix = self.startswith
            tests.append(lambda v: v.startswith(prefix))
        if self.endswith is not None:
            suffix = self.endswith
            tests.append(lambda v: v.endswith(suffix))
        if len(tests) == 1:
            return tests[0]
        return lambda v: all(t(v) for t in tests)


class Emit(_Strict):
    kind: str
    value: str | None = None
    value_from: str | None = None
    action: str | None = None
    number: int | None = None
    body: str | None = None
    body_from: str | None = None
    public: bool | None = None
    actor_role: str | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in RULE_KINDS:
            raise ValueError(f"unknown event kind {value!r}: use one of {', '.join(RULE_KINDS)}")
        return value

    @field_validator("actor_role")
    @classmethod
    def _known_role(cls, value: str | None) -> str | None:
        roles = [r.value for r in AuthorRole]
        if value is not None and value not in roles:
            raise ValueError(f"{value!r} is not one of {', '.join(roles)}")
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> Emit:
        kind = self.kind
        if self.value is not None and self.value_from is not None:
            raise ValueError("give value or value_from, not both")
        fixed = _FIXED.get(kind)
        if fixed is not None and self.value not in fixed:
            what = f"{self.value!r} is not a {kind} value" if self.value else f"a {kind} rule"
            raise ValueError(f"{what}: give value, one of {', '.join(fixed)}")
        actions = _ACTIONS.get(kind)
        if actions is not None and self.action not in actions:
            article = "an" if kind[0] in "aeiou" else "a"
            raise ValueError(f"{article} {kind} rule needs an action, one of {', '.join(actions)}")
        if actions is None and self.action is not None:
            raise ValueError(f"a {kind} event has no action (only escalation and tag do)")
        if kind == "tag" and self.value is None and self.value_from is None:
            raise ValueError("a tag rule needs the tag: value or value_from")
        if kind == "csat":
            low, high = SURVEY_SCALES.get(self.value, (1, 5))
            if self.number is None or not low <= self.number <= high:
                raise ValueError(f"a csat rule needs a number from {low} to {high}")
        return self


class Rule(_Strict):
    when: dict[str, Annotated[Match, BeforeValidator(_as_match)]] = Field(min_length=1)
    emit: Emit


class EventLogMap(_Strict):
    source: str = Field("eventlog", pattern=r"^[A-Za-z0-9_.-]+$")
    columns: Columns
    rules: list[Rule] = []
    timezone: str | None = None
    timestamp_format: str | None = None
    delimiter: str = Field(",", min_length=1, max_length=1)
    activity_separator: str = "/"
    group_events: bool = True
    assignee_events: bool = True
    keep_raw: bool = True

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zone(value)
            except InputError as exc:
                raise ValueError(str(exc)) from None
        return value

    def column(self, key: str) -> str | None:
        """The row key a ``when``/``*_from`` key reads: a role's column, or the key itself."""
        cols = self.columns
        if key == "activity":
            return cols.activity[0] if len(cols.activity) == 1 else ACTIVITY
        if key in ("group", "resource"):
            return getattr(cols, key)  # type: ignore[no-any-return]
        return key

    def problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """What pydantic cannot see: rules that name a role the map does not map."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        for i, rule in enumerate(self.rules):
            named: list[tuple[tuple[str | int, ...], str | None]]
            named = [(("rules", i, "when", k), k) for k in rule.when]
            named += [(("rules", i, "emit", f), getattr(rule.emit, f)) for f in _FROM]
            for loc, key in named:
                if key is not None and self.column(key) is None:
                    found.append((loc, f"the map names no {key} column; set columns.{key}"))
        return found

    def file_columns(self) -> list[str]:
        """Every column the map names (a CSV header must have them all)."""
        cols = self.columns
        names = [
            cols.case_id,
            *cols.activity,
            cols.timestamp,
            cols.resource,
            cols.group,
            *cols.ticket_fields().values(),
        ]
        for rule in self.rules:
            names += [self.column(k) for k in rule.when]
            names += [self.column(k) for k in (rule.emit.value_from, rule.emit.body_from) if k]
        return [n for n in dict.fromkeys(names) if n and n != ACTIVITY]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule as the hot path reads it."""

    kind: str
    state: bool  # emit only when the value changes
    conds: tuple[tuple[str, Callable[[str], bool]], ...]
    raw_from: str  # the first ``when`` column: the event's raw_value
    value: str | None
    value_from: str | None
    action: str | None
    number: int | None
    body: str | None
    body_from: str | None
    public: bool | None
    actor_role: str | None

    def matches(self, row: dict[str, str]) -> bool:
        for column, test in self.conds:
            value = row.get(column)
            if not value or not test(value):
                return False
        return True


class Step:
    """Consecutive rules of one kind: the first that matches a row fires.

    When they all test one column only, the answer depends on that column's value alone and
    is remembered per value, so a row costs one dict lookup whatever the number of rules.
    """

    __slots__ = ("column", "kind", "memo", "rules")
    _MEMO_SIZE = 10_000

    def __init__(self, rules: list[CompiledRule]) -> None:
        self.kind = rules[0].kind
        self.rules = tuple(rules)
        columns = {c for r in rules for c, _ in r.conds}
        self.column = columns.pop() if len(columns) == 1 else None
        self.memo: dict[str, CompiledRule | None] = {}

    def pick(self, row: dict[str, str]) -> CompiledRule | None:
        if self.column is None:
            return next((r for r in self.rules if r.matches(row)), None)
        value = row.get(self.column)
        if not value:
            return None
        try:
            return self.memo[value]
        except KeyError:
            found = next((r for r in self.rules if r.matches(row)), None)
            if len(self.memo) < self._MEMO_SIZE:
                self.memo[value] = found
            return found


def compile_rules(m: EventLogMap) -> tuple[Step, ...]:
    """The rules as steps: runs of consecutive rules that emit the same kind."""
    rules = []
    for rule in m.rules:
        conds = tuple((m.column(k) or k, match.predicate()) for k, match in rule.when.items())
        e = rule.emit
        value_from, body_from = (m.column(f) if f else None for f in (e.value_from, e.body_from))
        rules.append(
            CompiledRule(
                e.kind,
                e.kind in STATE_KINDS,
                conds,
                conds[0][0],
                e.value,
                value_from,
                e.action,
                e.number,
                e.body,
                body_from,
                e.public,
                e.actor_role,
            )
        )
    steps: list[list[CompiledRule]] = []
    for r in rules:
        if steps and steps[-1][0].kind == r.kind:
            steps[-1].append(r)
        else:
            steps.append([r])
    return tuple(Step(group) for group in steps)


# ----------------------------------------------------------------------------- loading
def load_map(path: Path) -> EventLogMap:
    """Read and validate a map; ``path`` may also name a shipped map (``bpi2013``)."""
    label = str(path)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{label}: cannot read the map ({exc})") from exc
    elif path.name.removesuffix(".yaml") in BUILTIN_MAPS and not path.parent.name:
        label = f"{path.name.removesuffix('.yaml')} (built-in map)"
        text = (_MAPS / f"{path.name.removesuffix('.yaml')}.yaml").read_text(encoding="utf-8")
    else:
        raise InputError(
            f"{label}: no such map file; pass a YAML map, or one of the built-in maps "
            f"({', '.join(BUILTIN_MAPS)}); {DOCS} describes the format"
        )
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{label}{where}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{label}: a map is a YAML mapping with columns: and rules:; see {DOCS}")
    try:
        result = EventLogMap.model_validate(data)
    except ValidationError as exc:
        lines = [_problem(label, root, tuple(e["loc"]), _message(e)) for e in exc.errors()]
        raise InputError("\n".join(lines)) from None
    problems = result.problems()
    if problems:
        raise InputError("\n".join(_problem(label, root, loc, msg) for loc, msg in problems))
    return result


def _message(error: Any) -> str:
    kind, msg = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        return f"not a key of the map format ({DOCS} lists the keys)"
    if kind == "missing":
        return "required key is missing"
    return msg.removeprefix("Value error, ")


def _problem(label: str, root: yaml.Node | None, loc: tuple[Any, ...], message: str) -> str:
    line = _line_of(root, loc)
    where = f"{label}, line {line}" if line else label
    path = ".".join(str(p) for p in loc)
    return f"{where}: {path or '(top)'}: {message}"


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest YAML node that ``loc`` reaches."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line
