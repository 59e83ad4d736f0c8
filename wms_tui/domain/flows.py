"""Floor flows as step machines: what each step expects, what a scan looks like, and the
state a terminal persists so a crash or a battery swap resumes at the same step.

Pure rules, no I/O: services decide what a scan means in the database and move the state on;
screens only show it.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, Generic, TypeVar


class Expect(StrEnum):
    """The one kind of input a step waits for."""

    BADGE = "badge"
    PIN = "pin"
    BIN = "bin"
    ITEM = "item"
    LOT = "lot"
    DATE = "date"
    QUANTITY = "quantity"
    CONTAINER = "container"
    TOTE = "tote"
    DOCUMENT = "document"
    TEXT = "text"
    CHOICE = "choice"
    ANYTHING = "anything"
    SOURCE = "source"  # what goods come against: a document, a supplier or an item on it
    GOODS = "goods"  # goods to move: a pallet label (SSCC or licence plate) or an item
    COUNT = "count"  # scan-to-count: the item again (each scan adds), or the quantity typed
    BIN_OR_CODE = "bin_or_code"  # the bin label, or its code typed from the screen (damaged label)


class Seen(StrEnum):
    """What a scan looks like, before anything is looked up."""

    BIN = "bin"  # location barcode with check digits (CODE.NN)
    ITEM = "item"  # GTIN, or GS1 element strings carrying a GTIN
    CONTAINER = "container"  # SSCC (AI 00) or a licence plate
    NUMBER = "number"  # a short plain number typed or scanned from a quantity card
    TEXT = "text"  # anything else: a document number, a lot, a carrier
    INVALID = "invalid"  # a barcode that breaks its own rules (bad check digit, broken GS1)


EXPECTED_WORDS = {
    Expect.BADGE: "your badge",
    Expect.PIN: "your PIN",
    Expect.BIN: "the bin label",
    Expect.ITEM: "the item barcode",
    Expect.LOT: "the lot",
    Expect.DATE: "the date",
    Expect.QUANTITY: "a quantity",
    Expect.CONTAINER: "the container label (SSCC)",
    Expect.TOTE: "the tote label",
    Expect.DOCUMENT: "the document number",
    Expect.TEXT: "the text",
    Expect.CHOICE: "a choice number",
    Expect.ANYTHING: "anything",
    Expect.SOURCE: "the PO, supplier or item",
    Expect.GOODS: "the pallet or item label",
    Expect.COUNT: "the item again or a quantity",
    Expect.BIN_OR_CODE: "the bin label",
}

SEEN_WORDS = {
    Seen.BIN: "a bin label",
    Seen.ITEM: "an item barcode",
    Seen.CONTAINER: "a container label (SSCC)",
    Seen.NUMBER: "a number",
    Seen.TEXT: "text",
    Seen.INVALID: "an unreadable barcode",
}

# Which shapes each step accepts. Quantities may come from a quantity card (a plain number);
# documents and lots are free text that may happen to be all digits.
ACCEPTS: dict[Expect, frozenset[Seen]] = {
    Expect.BADGE: frozenset({Seen.TEXT, Seen.NUMBER}),
    Expect.PIN: frozenset({Seen.NUMBER, Seen.TEXT}),
    Expect.BIN: frozenset({Seen.BIN}),
    Expect.ITEM: frozenset({Seen.ITEM}),
    Expect.LOT: frozenset({Seen.TEXT, Seen.NUMBER}),
    Expect.DATE: frozenset({Seen.NUMBER, Seen.TEXT}),  # 261231, 31.12.26, 2026-12-31
    Expect.QUANTITY: frozenset({Seen.NUMBER}),
    Expect.CONTAINER: frozenset({Seen.CONTAINER}),
    Expect.TOTE: frozenset({Seen.CONTAINER, Seen.TEXT, Seen.NUMBER}),
    Expect.DOCUMENT: frozenset({Seen.TEXT, Seen.NUMBER}),
    Expect.TEXT: frozenset({Seen.TEXT, Seen.NUMBER, Seen.ITEM, Seen.CONTAINER}),
    Expect.CHOICE: frozenset({Seen.NUMBER}),
    Expect.ANYTHING: frozenset(Seen) - {Seen.INVALID},
    Expect.SOURCE: frozenset({Seen.TEXT, Seen.NUMBER, Seen.ITEM}),
    Expect.GOODS: frozenset({Seen.CONTAINER, Seen.ITEM, Seen.TEXT}),
    Expect.COUNT: frozenset({Seen.ITEM, Seen.NUMBER}),
    Expect.BIN_OR_CODE: frozenset({Seen.BIN, Seen.TEXT}),
}


def mismatch(expect: Expect, seen: Seen, reason: str | None = None) -> str | None:
    """Why a scan of this shape does not fit the step, in the floor's words; None if it fits."""
    if seen is Seen.INVALID:
        return f"unreadable barcode: {reason or 'not a valid code'}"
    if seen in ACCEPTS[expect]:
        return None
    # The reason, then what to do; the screen echoes the scan itself last (Screenful.echo).
    return f"that is {SEEN_WORDS[seen]}: scan {EXPECTED_WORDS[expect]}"


@dataclass(frozen=True)
class Step:
    """One step of a flow: what it waits for and the one-line instruction."""

    name: str
    expects: Expect
    instruction: str  # a format string over the flow's data, e.g. "Scan bin {bin}"
    counts: bool = False  # repeated scans of one label each count (no duplicate filter); Enter alone finishes


@dataclass(frozen=True)
class Action:
    """A function key of a flow (F1-F10), with the `*N` typed/scanned fallback."""

    key: int
    label: str
    name: str

    @property
    def legend(self) -> str:
        return f"F{self.key} {self.label}"


class FlowDefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class FlowData:
    """What a flow remembers between inputs: each flow subclasses it with its own typed fields
    (all with defaults: a step that posts starts the data afresh from a few of them).

    Saved as JSON in `floor_session.state` by `to_dict`; `from_dict` reads it back by the
    field types, so a row saved before the data was typed (a plain dict with the same keys,
    decimals and dates as strings) resumes too. Keys the class no longer has are dropped,
    missing ones take their defaults.
    """

    show: tuple[str, ...] = ()  # the detail lines the screen shows between inputs
    progress: str = ""  # the status line's counter: "3/10", "2 lines"

    @property
    def document(self) -> str:
        """What the status line names before the progress ("SO-9 3/7"); each flow says."""
        return ""

    def to_dict(self) -> dict[str, Any]:
        return _encode(self)

    @classmethod
    def from_dict(cls: type[D], raw: dict[str, Any]) -> D:
        return _decode_record(cls, raw)


D = TypeVar("D", bound=FlowData)


def _encode(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    return value


@cache
def _field_types(cls: type) -> dict[str, Any]:
    return {name: hint for name, hint in typing.get_type_hints(cls).items() if name in {f.name for f in fields(cls)}}


def _decode_record(cls: type, raw: dict[str, Any]) -> Any:
    types_ = _field_types(cls)
    return cls(**{name: _decode(value, types_[name]) for name, value in raw.items() if name in types_})


def _decode(value: Any, hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):  # X | None
        return None if value is None else _decode(value, next(arg for arg in args if arg is not type(None)))
    if origin is tuple:
        return tuple(_decode(item, args[0]) for item in value)
    if origin is dict:
        return {key: _decode(item, args[1]) for key, item in value.items()}
    if hint is Decimal:
        return Decimal(str(value))
    if hint is date:
        return date.fromisoformat(value)
    if is_dataclass(hint):
        return _decode_record(hint, value)
    return value


@dataclass(frozen=True)
class Flow:
    name: str
    title: str
    steps: tuple[Step, ...]
    actions: tuple[Action, ...] = ()
    data: type[FlowData] = FlowData  # the flow's typed data

    def __post_init__(self) -> None:
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise FlowDefinitionError(f"flow {self.name}: step names repeat")
        keys = [action.key for action in self.actions]
        if len(set(keys)) != len(keys) or any(not 1 <= key <= 9 for key in keys):
            raise FlowDefinitionError(f"flow {self.name}: actions need distinct keys F1-F9 (F10 leaves)")

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise FlowDefinitionError(f"flow {self.name} has no step {name!r}")

    def action(self, key: int) -> Action | None:
        return next((action for action in self.actions if action.key == key), None)

    def begin(self, step: str, *, done: int = 0, **data: Any) -> FlowState:
        """The flow at `step` with fresh data; `done` carries on a count of work finished
        earlier (so a progress counter never starts again from 0 in one shift)."""
        return FlowState(self.name, step, self.data(**data), done=done)

    def instruction(self, state: FlowState) -> str:
        try:
            return self.step(state.step).instruction.format_map(_Blank(state.data))
        except (KeyError, ValueError, IndexError):
            return self.step(state.step).instruction


class _Blank(dict):
    """Format a flow's data (fields and properties) where an unset value shows as '?' instead of
    failing the screen."""

    def __init__(self, data: FlowData) -> None:
        super().__init__()
        self.data = data

    def __missing__(self, key: str) -> Any:
        value = getattr(self.data, key, None)
        return "?" if value is None else value


UNDO_DEPTH = 20


@dataclass(frozen=True)
class FlowState(Generic[D]):
    """Where a terminal is in a flow. `data` is the flow's typed data; it is persisted as JSON
    after every accepted scan, in the same transaction as the moves that scan posted."""

    flow: str
    step: str
    data: D = field(default_factory=FlowData)
    # Earlier (step, data) pairs since the last posting: what "undo last scan" goes back to.
    history: tuple[tuple[str, D], ...] = ()
    # An unusual scan waiting to be scanned again to confirm it.
    confirm: str | None = None
    done: int = 0  # units of work finished in this flow (tasks, containers, lines)

    def go(self, step: str, **changes: Any) -> FlowState[D]:
        """Move to `step` with changed data; the previous step can be undone."""
        history = ((self.step, self.data), *self.history)[:UNDO_DEPTH]
        return replace(self, step=step, data=replace(self.data, **changes), history=history, confirm=None)

    def posted(self, step: str, *, done: int = 0, **data: Any) -> FlowState[D]:
        """Move on after moves were posted, with data made afresh from `data`: nothing before
        this point can be undone by stepping back (the ledger corrects with reversing moves,
        not by forgetting)."""
        return FlowState(self.flow, step, type(self.data)(**data), (), None, self.done + done)

    def with_data(self, **changes: Any) -> FlowState[D]:
        return replace(self, data=replace(self.data, **changes), confirm=None)

    def undo(self) -> FlowState[D] | None:
        if not self.history:
            return None
        (step, data), *rest = self.history
        return FlowState(self.flow, step, data, tuple(rest), None, self.done)

    def needs_confirmation(self, scan: str) -> bool:
        """True the first time an unusual scan comes; the same scan again confirms it."""
        return self.confirm != scan

    def awaiting(self, scan: str) -> FlowState[D]:
        return replace(self, confirm=scan)

    def to_json(self) -> str:
        return json.dumps(
            {"flow": self.flow, "step": self.step, "data": self.data.to_dict(),
             "history": [[step, data.to_dict()] for step, data in self.history],
             "confirm": self.confirm, "done": self.done},
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, flows: typing.Mapping[str, Flow]) -> FlowState | None:
        """A saved state of one of `flows` (None for a flow the terminal no longer has)."""
        raw = json.loads(text)
        flow = flows.get(raw["flow"])
        if flow is None:
            return None
        load = flow.data.from_dict
        return cls(raw["flow"], raw["step"], load(raw["data"]), tuple((s, load(d)) for s, d in raw["history"]),
                   raw.get("confirm"), raw.get("done", 0))


HELP_KEY = 0  # `*0`: the page of every key of the step, for what the legend has no room for
HELP_LEGEND = "*0 keys"
LEGEND_ROWS = 2  # the most rows the legend takes (the handheld's 16 rows are for the work)


def command_key(text: str) -> int | None:
    """`*N` typed or scanned from a command card does what F`N` does (handhelds without F-keys);
    `*0` shows the keys (HELP_KEY)."""
    value = text.strip()
    if len(value) in (2, 3) and value[0] == "*" and value[1:].isdigit() and 0 <= int(value[1:]) <= 10:
        return int(value[1:])
    return None


def command_cards() -> list[tuple[str, str]]:
    """The `*N` codes `command_key` reads, with what each does: the sheet `wms-tui label
    commands` prints for terminals without F-keys."""
    return [(f"*{HELP_KEY}", "keys of this step"), *((f"*{n}", f"= F{n}") for n in range(1, 10)),
            ("*10", "= F10 back, sign out")]


def legend_entries(actions: tuple[Action, ...], back: str = "back") -> list[str]:
    """Every key of a step as "F2 close": the legend, and the `*0` page in full."""
    return [action.legend for action in actions] + ([f"F10 {back}"] if back else [])


def legend_lines(actions: tuple[Action, ...], width: int, back: str = "back", rows: int = LEGEND_ROWS) -> list[str]:
    """The key legend packed into at most `rows` lines of `width` (20 on the smallest). What
    does not fit gives way to "*0 keys", the page that lists them all. F10 always leaves:
    `back` says where to (empty: nowhere, on the sign-in screen)."""
    lines = _pack(legend_entries(actions, back), width)
    if len(lines) <= rows:
        return lines
    # The way back stays in sight; the flow's keys give way from the last one.
    tail = [*legend_entries((), back), HELP_LEGEND]
    for keep in range(len(actions) - 1, -1, -1):
        lines = _pack([action.legend for action in actions[:keep]] + tail, width)
        if len(lines) <= rows:
            return lines
    return _pack(tail, width)[:rows]


def _pack(entries: list[str], width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for text in entries:
        candidate = f"{current} {text}" if current else text
        if len(candidate) <= width:
            current = candidate
        else:
            if current:
                lines.append(current)
            current = text[:width]
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class PrintRequest:
    """A label or document to print once the scan that made it has committed."""

    kind: str  # container | pallet | packing_slip
    reference: str  # SSCC, LPN or order number


@dataclass(frozen=True)
class SignInData(FlowData):
    claim: str | None = None  # the badge or id given, waiting for its PIN (never saved, never shown)


@dataclass(frozen=True)
class MenuData(FlowData):
    flows: tuple[str, ...] = ()  # the names of the flows offered, in the order of their numbers

    @property
    def count(self) -> int:
        return len(self.flows)


class SignInStep(StrEnum):
    BADGE = "badge"
    PIN = "pin"


class MenuStep(StrEnum):
    CHOOSE = "choose"


SIGN_IN = Flow(
    "sign_in",
    "Sign in",
    (
        Step(SignInStep.BADGE, Expect.BADGE, "Scan your badge or type your id"),
        Step(SignInStep.PIN, Expect.PIN, "Enter your PIN"),
    ),
    data=SignInData,
)
MENU = Flow("menu", "Menu", (Step(MenuStep.CHOOSE, Expect.CHOICE, "Choose 1-{count}"),), data=MenuData)


@dataclass(frozen=True)
class Screenful:
    """Everything a floor screen shows after an input."""

    title: str
    instruction: str
    expects: Expect
    details: tuple[str, ...]
    message: str
    ok: bool
    operator: str | None
    progress: str
    actions: tuple[Action, ...]
    counting: bool  # the step counts repeated scans of one label: no duplicate filter
    prints: tuple[PrintRequest, ...] = ()
    step: str = ""
    flow: str = ""
    back: str = "back"  # what F10 does here, for the legend
    document: str = ""  # the status line names it before the progress: "SO-9 3/7"
    echo: str = ""  # the refused scan as read, shown after the message (the reason comes first)

    @property
    def status(self) -> str:
        """Document and progress, as the status line starts: "SO-9 3/7"."""
        return " ".join(part for part in (self.document, self.progress) if part)

def sign_in_screen(message: str = "ready") -> Screenful:
    """What a terminal shows before anyone signs in (needs no database)."""
    step = SIGN_IN.step(SignInStep.BADGE)
    return Screenful(SIGN_IN.title, step.instruction, step.expects, (), message, True, None, "", (), False,
                     step=step.name, flow=SIGN_IN.name, back="")


class Role(StrEnum):
    PICKER = "picker"
    PACKER = "packer"
    SHIPPER = "shipper"
    RECEIVER = "receiver"
    SUPERVISOR = "supervisor"


# The menu a role sees, in order. Everyone may ask "what is this?".
ROLE_FLOWS: dict[Role, tuple[str, ...]] = {
    Role.PICKER: ("pick", "restock", "count", "identify"),
    Role.PACKER: ("pack", "ship", "identify"),
    Role.SHIPPER: ("ship", "pack", "identify"),
    Role.RECEIVER: ("receive", "restock", "count", "identify"),
    Role.SUPERVISOR: ("pick", "pack", "ship", "receive", "restock", "count", "identify"),
}


def can_authorise(role: Role) -> bool:
    """Who may allow an unusual action (over-receipt, a count difference) with their badge and PIN."""
    return role is Role.SUPERVISOR
