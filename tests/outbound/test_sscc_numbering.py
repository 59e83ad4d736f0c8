"""SSCC numbers come from the terminal's number range in the database: consecutive, valid, never
handed out twice (not even by two workers at once), returned by a rollback, refused when used up."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from biip.sscc import Sscc

from wms_tui.domain.errors import InvalidInput
from wms_tui.services.outbound.packing import assign_number_range, next_sscc
from wms_tui.store.session import transaction

PREFIX = "35703538"  # extension digit 3 + company prefix 5703538


def serial(code: str) -> int:
    return int(code[len(PREFIX) : 17])


def take(engine, terminal: str = "T1") -> str:
    with transaction(engine) as session:
        return next_sscc(session, terminal)


def test_numbers_are_consecutive_valid_and_refused_when_the_range_is_used_up(engine):
    with transaction(engine) as session:
        assign_number_range(session, "T1", PREFIX, 100, 102)
    issued = [take(engine) for _ in range(3)]
    assert [serial(code) for code in issued] == [100, 101, 102]
    assert all(Sscc.parse(code).value == code for code in issued)  # biip checks the check digit
    with pytest.raises(InvalidInput, match="terminal T1 has no SSCC numbers left"):
        take(engine)


def test_a_rolled_back_container_gives_its_number_back(engine):
    with transaction(engine) as session:
        assign_number_range(session, "T1", PREFIX, 1, 10)
    with pytest.raises(RuntimeError), transaction(engine) as session:
        next_sscc(session, "T1")
        raise RuntimeError("packing failed")
    assert serial(take(engine)) == 1


def test_overlapping_ranges_of_one_prefix_are_refused(engine):
    with transaction(engine) as session:
        assign_number_range(session, "T1", PREFIX, 1, 100)
    with pytest.raises(InvalidInput, match="overlaps terminal T1"), transaction(engine) as session:
        assign_number_range(session, "T2", PREFIX, 100, 200)


def test_two_workers_on_one_terminal_never_share_a_number(engine):
    with transaction(engine) as session:
        assign_number_range(session, "T1", PREFIX, 1, 10**6)
    with ThreadPoolExecutor(2) as pool:
        batches = list(pool.map(lambda _: [take(engine) for _ in range(40)], range(2)))
    issued = batches[0] + batches[1]
    assert len(set(issued)) == 80
