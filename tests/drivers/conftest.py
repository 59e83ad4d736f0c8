from __future__ import annotations

import os
import time
import tty
from collections.abc import Callable, Iterator

import pytest

from drivers import DriverEvent, EventQueue, Scan, ScanProblem, StatusChange


class Pty:
    """A real pseudo-terminal: tests write to ``master``, the driver opens ``path``."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def pty_pair() -> Iterator[Pty]:
    pty = Pty()
    yield pty
    pty.unplug()


def wait_for(
    events: EventQueue, predicate: Callable[[DriverEvent], bool], timeout: float = 5.0
) -> DriverEvent:
    """The first event matching ``predicate`` (others are skipped); fails on timeout."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        event = events.get(left)
        if event is not None and predicate(event):
            return event
    raise AssertionError("expected event did not arrive")


def is_scan(event: DriverEvent) -> bool:
    return isinstance(event, Scan)


def is_problem(kind: str) -> Callable[[DriverEvent], bool]:
    return lambda e: isinstance(e, ScanProblem) and e.kind == kind


def is_status(status: str) -> Callable[[DriverEvent], bool]:
    return lambda e: isinstance(e, StatusChange) and e.status.value == status
