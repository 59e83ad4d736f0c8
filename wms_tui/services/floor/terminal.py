"""One terminal on the floor: sign-in, the role's menu and the flows, one input at a time.

Every input (a scan, typed text, a function key) is one transaction: the flow's handler does
its work, the terminal's new step is written to `floor_session`, and both commit together. A
crash before the commit loses the scan and the step together (the operator scans again); after
it, both survive, so a restart resumes at the step that follows the posted moves and nothing
is posted twice. A handler that raises leaves the database and the step as they were. An input
that meets another writer's lock (a batch job between its short transactions) waits for it,
calling `on_busy` meanwhile so the screen can say so, and is then done: never refused for it.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import Engine
from sqlmodel import Session

from drivers.scan import InterpretationSettings, split_symbology
from wms_tui.domain.auth import SecurityPolicy
from wms_tui.domain.errors import InvalidInput, WmsError
from wms_tui.domain.flows import (  # noqa: F401 - PrintRequest and Screenful are part of this API
    HELP_KEY,
    MENU,
    ROLE_FLOWS,
    SIGN_IN,
    Expect,
    Flow,
    FlowDefinitionError,
    FlowState,
    MenuStep,
    PrintRequest,
    Screenful,
    SignInStep,
    command_key,
    legend_entries,
    mismatch,
)
from wms_tui.domain.typed import DateOrder
from wms_tui.services import operators
from wms_tui.services.floor.scans import ParsedScan, parse_scan
from wms_tui.services.operators import OperatorView
from wms_tui.store import finders
from wms_tui.store.db import checkpoint_wal
from wms_tui.store.ledger import PostingContext
from wms_tui.store.session import transaction

log = logging.getLogger(__name__)

UNDO = "undo"
# Inputs between two checkpoints of the database's write-ahead log while the terminal is idle.
# An input writes from one page (the step saved) to ~30 (a pick posted): 50 keep the log well
# under SQLite's own 1,000-page checkpoint, run inside a commit. Not after every input: the
# commit after a checkpoint starts the log again, which costs it one more sync.
CHECKPOINT_EVERY = 50


@dataclass(frozen=True)
class Reply:
    """What a handler answers: the next state (None: back to the menu) and what to say."""

    state: FlowState | None
    ok: bool = True
    message: str = ""
    details: tuple[str, ...] | None = None  # None: the state's own `show` lines
    prints: tuple[PrintRequest, ...] = ()
    echo: str = ""  # the refused scan as read: shown after the reason, never before it


@dataclass
class FloorContext:
    session: Session
    posting: PostingContext
    operator: OperatorView
    warehouse: str
    warehouse_id: int
    today: date
    interpretation: InterpretationSettings
    security: SecurityPolicy  # what a supervisor's approval by badge and PIN is held to
    date_order: DateOrder = DateOrder.DMY  # how a typed 03/04/26 is read ([ui] date_order)
    done: int = 0  # units of work the operator finished in the flow being started, this sign-in


StepHandler = Callable[[Any, FloorContext, FlowState, ParsedScan], Reply]


class FlowHandler(ABC):
    """A flow's use cases: start it, take a scan at its current step, do a function key.

    `steps` names the method that takes a scan at each step of `flow`; a subclass that misses
    a step (or names one the flow does not have) fails when its module is imported."""

    flow: ClassVar[Flow]
    steps: ClassVar[Mapping[str, StepHandler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [step.name for step in cls.flow.steps if step.name not in cls.steps]
        unknown = sorted(set(cls.steps) - {step.name for step in cls.flow.steps})
        if missing or unknown:
            raise FlowDefinitionError(f"flow {cls.flow.name}: steps without a handler {missing}, "
                                      f"handlers without a step {unknown}")

    @abstractmethod
    def start(self, ctx: FloorContext) -> Reply: ...

    def on_scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return self.steps[state.step](self, ctx, state, scan)

    def on_action(self, ctx: FloorContext, state: FlowState, action: str) -> Reply:
        raise InvalidInput(f"{action} is not available here")

    def on_enter(self, ctx: FloorContext, state: FlowState) -> Reply:
        """Enter on an empty input, at a step that counts scans (it accepts the count)."""
        raise InvalidInput("nothing was scanned")

    def leave(self, ctx: FloorContext, state: FlowState) -> None:
        """Going back to the menu. Claimed tasks stay with the operator (resumed later)."""
        return None


def load_flows() -> Mapping[str, FlowHandler]:
    """The flows a terminal offers, by name. Imported late, because they import this module
    and the services behind them, which the sign-in screen does not need to show up."""
    from wms_tui.services.floor.handlers import BY_NAME

    return BY_NAME


@dataclass
class Terminal:
    """A terminal's floor session over the database: one call per input, each its own transaction."""

    engine: Engine
    terminal_id: str
    warehouse: str
    interpretation: InterpretationSettings = field(default_factory=InterpretationSettings)
    clock: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())
    security: SecurityPolicy = field(default_factory=SecurityPolicy)
    date_order: DateOrder = DateOrder.DMY
    # Called (from the input's thread) while an input waits for another writer's lock, e.g. an
    # import's: the screen says "busy"; the input is then done, never refused for it.
    on_busy: Callable[[], None] = field(default=lambda: None)
    operator: OperatorView | None = None
    state: FlowState = field(default_factory=lambda: SIGN_IN.begin(SignInStep.BADGE))
    warehouse_key: int | None = None  # the warehouse's id, once looked up
    # Work finished per flow since the operator signed in: a flow started again counts on.
    finished: dict[str, int] = field(default_factory=dict)
    transactions: int = 0  # since the write-ahead log was last checkpointed by idle()

    # -- entry points --------------------------------------------------------------------------

    def open(self) -> Screenful:
        """The screen after start-up: sign-in, remembering where this terminal was."""
        self.operator = None
        self.state = SIGN_IN.begin(SignInStep.BADGE)
        return self._screen(Reply(self.state, message="ready"))

    def submit(self, text: str) -> Screenful:
        """A scan or typed line. `*N` is function key N (for handhelds without F-keys)."""
        key = command_key(text)
        if key is not None:
            return self.press(key)
        if self.operator is None:
            return self._sign_in(text)
        if not text.strip():
            return self._run(self._dispatch_enter)
        scan = parse_scan(text, self.interpretation)
        # A refused scan is read back after the reason; a PIN never is.
        echo = "" if self._flow().step(self.state.step).expects is Expect.PIN else scan.shown or text.strip()
        return self._run(lambda ctx: self._dispatch_scan(ctx, scan, text), echo=echo)

    def press(self, key: int) -> Screenful:
        if key == HELP_KEY:
            return self._keys()
        if self.operator is None:
            if key == 10 and self.state.step == SignInStep.PIN:
                return self.open()
            return self._screen(Reply(self.state, ok=False, message="sign in first"))
        if key == 10:
            return self._run(self._back)
        return self._run(lambda ctx: self._dispatch_action(ctx, key))

    def idle(self) -> None:
        """The last answer is on screen and no input waits: the write-ahead log is
        checkpointed now and then, so the commit of a scan does not do it."""
        if self.transactions >= CHECKPOINT_EVERY:
            self.transactions = 0
            try:
                checkpoint_wal(self.engine)
            except Exception:  # then SQLite checkpoints in a commit, as it would anyway
                log.exception("checkpoint of the write-ahead log failed")

    def current(self) -> Screenful:
        return self._screen(Reply(self.state))

    def _keys(self) -> Screenful:
        """The `*0` page: every key of this step in full, the step itself unchanged."""
        screen = self._screen(Reply(self.state))
        keys = legend_entries(screen.actions, screen.back)
        details = (*keys, "*N does FN", "up/down PgUp/PgDn", "scroll the answer")
        return replace(screen, details=details, message="keys of this step")

    # -- sign-in -------------------------------------------------------------------------------

    def _sign_in(self, text: str) -> Screenful:
        """Badge (or typed id), then PIN: the badge step looks nothing up, so what was given
        is not told apart from an unknown one; the PIN step's refusal (counted, and
        committed with the lock it may set) reads the same for both."""
        value = text.strip()
        if self.state.step != SignInStep.PIN:
            _symbology, claim = split_symbology(value)
            if not claim:
                return self._screen(Reply(self.state, ok=False, message="scan your badge or type your id"))
            self.state = self.state.go(SignInStep.PIN, claim=claim)
            return self._screen(Reply(self.state, message="PIN please"))
        claim = self.state.data.claim
        self.state = SIGN_IN.begin(SignInStep.BADGE)  # a refused PIN starts over
        try:
            with self._transaction() as session:
                verdict = operators.sign_in(session, claim, value, terminal=self.terminal_id, policy=self.security)
                if verdict.operator is None:
                    return self._screen(Reply(self.state, ok=False, message=verdict.problem))
                self.operator = verdict.operator
                self.finished = {}
                return self._screen(self._resume_or_menu(session, verdict.operator))
        except WmsError as exc:
            self.operator, self.state = None, SIGN_IN.begin(SignInStep.BADGE)
            return self._screen(Reply(self.state, ok=False, message=str(exc)))

    def _resume_or_menu(self, session: Session, operator: OperatorView) -> Reply:
        handlers = load_flows()
        operators.release_abandoned(session, self.security)
        state = operators.take_over(session, self.terminal_id, operator.code)
        if state:
            saved = self._saved(state, handlers)
            if saved is not None:
                self.state = saved
                title = handlers[saved.flow].flow.title
                return Reply(saved, message=f"{operator.name}: resumed {title.lower()}")
        self.state = self._menu_state(operator)
        self._save(session, self.state)
        return Reply(self.state, message=f"signed in: {operator.name}")

    @staticmethod
    def _saved(text: str, handlers: Mapping[str, FlowHandler]) -> FlowState | None:
        """The saved step, if this terminal still has its flow and can read its data; else the
        operator starts from the menu (the tasks they hold are resumed by the flows)."""
        try:
            return FlowState.from_json(text, {name: handler.flow for name, handler in handlers.items()})
        except Exception:  # whatever is wrong with the row, it must not keep the operator out
            log.exception("saved floor state not resumed: %s", text)
            return None

    def _menu_state(self, operator: OperatorView) -> FlowState:
        handlers = load_flows()
        flows = tuple(name for name in ROLE_FLOWS[operator.role] if name in handlers)
        show = tuple(f"{n} {handlers[name].flow.title}" for n, name in enumerate(flows, 1))
        return MENU.begin(MenuStep.CHOOSE, flows=flows, show=show)

    # -- flows ---------------------------------------------------------------------------------

    def _run(self, work: Callable[[FloorContext], Reply], echo: str = "") -> Screenful:
        operator = self.operator
        assert operator is not None
        try:
            with self._transaction() as session:
                ctx = FloorContext(session, PostingContext(self.terminal_id, operator.code), operator,
                                   self.warehouse, self._warehouse_id(session), self.clock(), self.interpretation,
                                   self.security, self.date_order)
                reply = work(ctx)
                if reply.state is None:
                    reply = Reply(self._menu_state(operator), reply.ok, reply.message, None, reply.prints)
                if reply.state != self.state:
                    self._save(session, reply.state)
        except WmsError as exc:
            return self._screen(Reply(self.state, ok=False, message=str(exc), echo=echo))
        except Exception as exc:  # a bug must not take the terminal down: say so, keep the step
            log.exception("floor input failed")
            return self._screen(Reply(self.state, ok=False, message=f"system error, nothing was saved: {exc}"))
        if reply.state is not None and reply.state.flow == SIGN_IN.name:
            self.operator = None
        self.finished[reply.state.flow] = max(self.finished.get(reply.state.flow, 0), reply.state.done)
        self.state = reply.state
        if not reply.ok and not reply.echo:
            reply = replace(reply, echo=echo)
        return self._screen(reply)

    def _transaction(self) -> AbstractContextManager[Session]:
        self.transactions += 1
        return transaction(self.engine, on_busy=self.on_busy)

    def _warehouse_id(self, session: Session) -> int:
        """The terminal's warehouse, looked up once: every input of every flow needs it."""
        if self.warehouse_key is None:
            self.warehouse_key = finders.warehouse_by_code(session, self.warehouse).id
        return self.warehouse_key

    def _save(self, session: Session, state: FlowState | None) -> None:
        signed_out = state is None or state.flow == SIGN_IN.name
        # The menu is not worth resuming; a flow step is.
        operators.save_state(
            session, self.terminal_id,
            None if signed_out or self.operator is None else self.operator.code,
            None if signed_out or state.flow == MENU.name else state.to_json(),
        )

    def _dispatch_scan(self, ctx: FloorContext, scan: ParsedScan, raw: str) -> Reply:
        state = self.state
        if state.flow == MENU.name:
            return self._choose(ctx, scan)
        handler = load_flows()[state.flow]
        step = handler.flow.step(state.step)
        # A PIN is never judged by its look (or echoed back): 12345670 would read as a GTIN-8.
        problem = step.expects is not Expect.PIN and mismatch(step.expects, scan.seen, scan.reason)
        if problem:
            return Reply(state, ok=False, message=problem)
        return handler.on_scan(ctx, state, scan)

    def _dispatch_enter(self, ctx: FloorContext) -> Reply:
        if self.state.flow == MENU.name:
            return Reply(self.state, ok=False, message="nothing was scanned")
        return load_flows()[self.state.flow].on_enter(ctx, self.state)

    def _choose(self, ctx: FloorContext, scan: ParsedScan) -> Reply:
        flows = self.state.data.flows
        if scan.number is None or not 1 <= scan.number <= len(flows) or scan.number != int(scan.number):
            return Reply(self.state, ok=False, message=f"choose a number from 1 to {len(flows)}")
        return self._start(ctx, flows[int(scan.number) - 1])

    def _start(self, ctx: FloorContext, name: str) -> Reply:
        ctx.done = self.finished.get(name, 0)
        return load_flows()[name].start(ctx)

    def _dispatch_action(self, ctx: FloorContext, key: int) -> Reply:
        state = self.state
        if state.flow == MENU.name:
            flows = state.data.flows
            if key <= len(flows):
                return self._start(ctx, flows[key - 1])
            return Reply(state, ok=False, message=f"F{key} does nothing here")
        handler = load_flows()[state.flow]
        action = handler.flow.action(key)
        if action is None:
            return Reply(state, ok=False, message=f"F{key} does nothing here")
        if action.name == UNDO:
            previous = state.undo()
            if previous is None:
                return Reply(state, ok=False, message="nothing to undo: the last scan is already posted")
            return Reply(previous, message="last scan undone")
        return handler.on_action(ctx, state, action.name)

    def _back(self, ctx: FloorContext) -> Reply:
        if self.state.flow == MENU.name:
            operators.record_sign_out(ctx.session, ctx.operator.code, self.terminal_id)
            return Reply(SIGN_IN.begin(SignInStep.BADGE), message=f"{ctx.operator.name} signed out")
        load_flows()[self.state.flow].leave(ctx, self.state)
        return Reply(None, message="menu")

    def _flow(self, state: FlowState | None = None) -> Flow:
        name = (state or self.state).flow
        if name == SIGN_IN.name:
            return SIGN_IN
        if name == MENU.name:
            return MENU
        return load_flows()[name].flow

    def _screen(self, reply: Reply) -> Screenful:
        state = reply.state if reply.state is not None else self.state
        flow = self._flow(state)
        step = flow.step(state.step)
        details = reply.details if reply.details is not None else tuple(state.data.show)
        return Screenful(
            title=flow.title,
            instruction=flow.instruction(state),
            expects=step.expects,
            details=details,
            message=reply.message,
            ok=reply.ok,
            operator=self.operator.code if self.operator else None,
            progress=state.data.progress,
            actions=flow.actions,
            counting=step.counts,
            prints=reply.prints,
            step=state.step,
            flow=state.flow,
            back={SIGN_IN.name: "back" if state.step == SignInStep.PIN else "", MENU.name: "sign out"}.get(state.flow, "back"),
            document=state.data.document,
            echo=reply.echo,
        )

