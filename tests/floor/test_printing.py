"""Printing from the floor: print requests built from the database (container label, packing
slip, pallet label), rendered for the terminal's printer and sent from the durable queue by the
print station's threads; an offline printer keeps jobs pending and they print when it is back,
also after a restart. (The app's status line: tests/ui/test_printing.py.)"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from labels import PrintQueue, printer_from_mapping
from tests.floor.kit import another_terminal, runtime_on
from tests.floor.outbound import packed_order, picked, printer_config, wait_for_files
from tests.labels.conftest import decode, pdf_pages
from wms_tui.services import print_station
from wms_tui.services.floor import printing
from wms_tui.services.floor.terminal import PrintRequest
from wms_tui.services.inbound.receiving import receive_scan, start_receipt
from wms_tui.services.outbound.packing import assign_number_range
from wms_tui.services.print_station import PrintStation
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import Item, ItemBarcode, PurchaseOrder, PurchaseOrderLine
from wms_tui.store.session import reading, transaction

RECEIVER = PostingContext("HH1", "RECV1")


@pytest.fixture
def runtime(demo_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_PRINT_QUEUE", str(tmp_path / "print-queue.sqlite3"))
    runtime = runtime_on(demo_url, tmp_path)
    yield runtime
    runtime.close()


def folder_printer(target: Path, fmt: str = "pdf"):
    return printer_from_mapping("pack1", {"kind": "file", "target": f"{target}/", "format": fmt})


def station(runtime, tmp_path, printer, notes: list[str]) -> PrintStation:
    made = PrintStation(runtime.engine, printer, {}, tmp_path / "print-queue.sqlite3", notify=notes.append)
    made.start()
    return made


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def test_container_label_on_a_zpl_printer_carries_the_sscc(runtime, tmp_path, fast_retries):
    number, [box] = packed_order(runtime)
    notes: list[str] = []
    running = station(runtime, tmp_path, folder_printer(tmp_path / "zpl", "zpl"), notes)
    try:
        running.submit([PrintRequest(printing.CONTAINER, box), PrintRequest(printing.PACKING_SLIP, number)])
        [label] = wait_for_files(tmp_path / "zpl", 1)
        wait_until(lambda: notes)
    finally:
        running.stop()
    zpl = label.read_text()
    assert label.name.startswith(f"container-{box}-") and label.suffix == ".zpl"
    assert f">800{box}" in zpl and f"(00){box}" in zpl  # the GS1-128 SSCC and its text
    assert f"^FD{number}^FS" in zpl
    assert "3.5" in zpl  # gross weight
    # A packing slip is a PDF document: a thermal printer cannot take it, and the operator hears so.
    assert "is a PDF" in notes[0] and number in notes[0]


def test_container_label_numbers_n_of_m_once_the_order_is_packed(runtime):
    number, boxes = packed_order(runtime, boxes=2)
    with reading(runtime.engine) as session:
        labels = [printing.container_label(session, code) for code in boxes]
        contents = picked(runtime, number)
    assert [(label.container_index, label.container_total) for label in labels] == [(1, 2), (2, 2)]
    assert all(label.gross_weight_kg == Decimal("3.5") for label in labels)
    assert labels[0].ship_to.name and labels[0].ship_from.name == "Main Warehouse"
    units = sum(contents.values())
    single = [label for label in labels if label.gtin]
    assert all(label.count is not None and label.count <= units for label in single)


def test_packing_slip_document_lists_ordered_and_packed(runtime):
    number, _ = packed_order(runtime)
    with reading(runtime.engine) as session:
        document = printing.packing_slip_document(session, number)
    contents = picked(runtime, number)
    assert document.kind == "packingslip" and document.number == number
    assert sum(line.quantity for line in document.lines) == sum(contents.values())
    assert all(line.ordered is not None and line.quantity <= line.ordered for line in document.lines)


def test_pallet_label_of_a_received_pallet(runtime, tmp_path, fast_retries):
    with transaction(runtime.engine) as session:
        assign_number_range(session, "HH1", "0871234567", 1, 999)
        po = session.exec(select(PurchaseOrder).order_by(PurchaseOrder.id)).first()
        line = session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == po.id)).first()
        item = session.get(Item, line.item_id)
        gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == item.id, ItemBarcode.packaging == "unit")).first()
        receipt = start_receipt(session, po.number, warehouse_code="WH1")
        lot = "LOT-P1" if item.tracking == "lot" else None
        expiry = date.today() + timedelta(days=200) if item.expiry_tracked else None
        result = receive_scan(session, RECEIVER, receipt.number, gtin, count=3, lot=lot, expiry=expiry, new_pallet=True)
        pallet, po_number, sku = result.container_code, po.number, item.sku
    with reading(runtime.engine) as session:
        label = printing.pallet_label(session, pallet)
    assert label.lpn == pallet and label.po_number == po_number and label.supplier
    assert label.count == 3 and label.gtin == gtin and label.lot == lot
    assert label.received_on == date.today()
    notes: list[str] = []
    running = station(runtime, tmp_path, folder_printer(tmp_path / "pdf"), notes)
    try:
        running.submit([PrintRequest(printing.PALLET, pallet)])
        [file] = wait_for_files(tmp_path / "pdf", 1)
    finally:
        running.stop()
    (page,) = pdf_pages(file.read_bytes())
    assert ("]C1", f"00{pallet}") in decode(page), sku
    assert notes == []


def test_requests_that_cannot_print_are_told_not_queued(runtime, tmp_path, fast_retries):
    notes: list[str] = []
    running = station(runtime, tmp_path, folder_printer(tmp_path / "pdf"), notes)
    try:
        running.submit([PrintRequest(printing.CONTAINER, "087123456700009996"), PrintRequest("poster", "X")])
        wait_until(lambda: len(notes) == 2)
        assert running.pending() == 0
    finally:
        running.stop()
    assert "no shipping container" in notes[0] and "cannot print a 'poster'" in notes[1]
    assert not (tmp_path / "pdf").exists()


def test_offline_printer_keeps_jobs_and_a_restart_prints_them(runtime, tmp_path, fast_retries):
    number, [box] = packed_order(runtime)
    blocker = tmp_path / "offline"
    blocker.write_text("not a folder")  # the folder printer cannot write below a file: offline
    printer = folder_printer(blocker / "labels")
    notes: list[str] = []
    running = station(runtime, tmp_path, printer, notes)
    try:
        running.submit([PrintRequest(printing.CONTAINER, box)])
        queue = running.queue
        wait_until(lambda: any(job.attempts >= 2 for job in queue.jobs()))  # retried with back-off
        assert running.pending() == 1
    finally:
        running.stop()
    # The terminal restarts while the printer is still off; then the printer comes back.
    check = PrintQueue(tmp_path / "print-queue.sqlite3")
    [job] = check.jobs()
    assert job.status == "pending" and job.reference == box and "cannot write" in job.last_error
    check.close()
    blocker.unlink()
    running = station(runtime, tmp_path, printer, notes)
    try:
        [label] = wait_for_files(blocker / "labels", 1)
        wait_until(lambda: running.pending() == 0)
    finally:
        running.stop()
    assert label.name.startswith(f"container-{box}-")
    assert notes == []


def test_a_terminal_starts_its_printer_or_says_why_not(runtime, tmp_path, monkeypatch, fast_retries):
    notes: list[str] = []
    changes: list[None] = []
    assert not runtime.settings.terminal.printer  # none configured: no station, nothing to say
    assert print_station.start_for_terminal(runtime.engine, runtime.settings, on_change=changes.clear,
                                            notify=notes.append) is None
    assert notes == []
    runtime = another_terminal(runtime, tmp_path, "HH2", extra=printer_config(tmp_path))
    try:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        monkeypatch.setenv("WMS_PRINT_QUEUE", str(blocker / "print-queue.sqlite3"))  # the queue file cannot be made
        assert print_station.start_for_terminal(runtime.engine, runtime.settings, on_change=lambda: changes.append(None),
                                                notify=notes.append) is None
        assert len(notes) == 1 and notes[0].startswith("printer pack1 not started: ")
        monkeypatch.setenv("WMS_PRINT_QUEUE", str(tmp_path / "print-queue.sqlite3"))
        started = print_station.start_for_terminal(runtime.engine, runtime.settings,
                                                   on_change=lambda: changes.append(None), notify=notes.append)
        try:
            assert started is not None and started.printer.name == "pack1" and changes  # the count was reported
        finally:
            started.stop()
    finally:
        runtime.close()
