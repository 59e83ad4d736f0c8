"""Labels and documents (issue 15, item 9): every box label says "n of m" (box 1 too) and the
full ship-to address; the packing slip says "packed", and "shipped" only after shipping. The
rendered PDFs are read back: barcodes with zxing-cpp, words with pdfium's text layer."""

from __future__ import annotations

from decimal import Decimal

import pypdfium2 as pdfium
from click.testing import CliRunner
from sqlmodel import Session, select

from labels import document_pdf, label_pdf
from tests.floor.kit import Desk
from tests.floor.outbound import packed_order, pick_order, picked, scan_of
from tests.labels.conftest import decode, pdf_pages
from wms_tui.cli import main
from wms_tui.domain.flows import PrintRequest, command_key
from wms_tui.services.floor import printing
from wms_tui.services.outbound.shipping import ship
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import CustomerProfile, SalesOrder
from wms_tui.store.session import reading, transaction


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def label_of(runtime, sscc: str):
    with reading(runtime.engine) as session:
        return printing.container_label(session, sscc)


def test_a_single_box_says_1_of_1_and_the_whole_ship_to_address(runtime):
    number, [box] = packed_order(runtime)
    label = label_of(runtime, box)
    assert (label.container_index, label.container_total) == (1, 1)
    with Session(runtime.engine) as session:
        order = session.exec(select(SalesOrder).where(SalesOrder.number == number)).one()
        profile = session.get(CustomerProfile, order.customer_id)
    pdf = label_pdf(label)
    text = pdf_text(pdf)
    assert "1 of 1" in text
    for part in (profile.ship_to_name, profile.ship_to_street, profile.ship_to_postcode, profile.ship_to_city):
        assert part and part in text, part
    (page,) = pdf_pages(pdf)
    assert ("]C1", f"00{box}") in decode(page)


def test_box_1_closed_while_more_waits_counts_the_box_to_come(runtime):
    number, [first, second] = packed_order(runtime, boxes=2, close_last=False)
    assert (label_of(runtime, first).container_index, label_of(runtime, first).container_total) == (1, 2)


def test_three_boxes_relabel_the_first_once_the_count_is_known(runtime):
    number = pick_order(runtime)
    units = [(gtin, lot) for (gtin, lot), quantity in picked(runtime, number).items() for _ in range(int(quantity))]
    assert len(units) >= 3, "the demo order needs 3 units for 3 boxes"
    desk = Desk(runtime)
    desk.sign_in("BADGE-0002")
    desk.scan("1", number)
    shares = [units[:1], units[1:2], units[2:]]
    for share in shares:
        desk.scan("1")
        for gtin, lot in share:
            desk.scan(scan_of(gtin, lot), "1")
            assert not desk.error, desk.message
        desk.key("f2")
        desk.scan("2,5")
        assert not desk.error, desk.message
    with Session(runtime.engine) as session:
        boxes = [label.sscc for label in printing.packing.container_labels(session, number)]
    labels = [label_of(runtime, code) for code in boxes]
    assert [(label.container_index, label.container_total) for label in labels] == [(1, 3), (2, 3), (3, 3)]
    # Printed as box 1 of 2 when it closed: printed again with the final count; box 2 said 2 of 3.
    container_prints = [request.reference for request in desk.printed if request.kind == printing.CONTAINER]
    assert container_prints == [boxes[0], boxes[1], boxes[2], boxes[0]]
    assert PrintRequest(printing.PACKING_SLIP, number) in desk.printed


def test_packing_slip_says_packed_and_shipped_only_after_shipping(runtime):
    number, [box] = packed_order(runtime)
    with reading(runtime.engine) as session:
        packed = printing.packing_slip_document(session, number)
    text = pdf_text(document_pdf(packed))
    assert "Packed" in text and "Shipped" not in text
    assert sum(line.quantity for line in packed.lines) == sum(picked(runtime, number).values())
    with transaction(runtime.engine) as session:
        ship(session, PostingContext("HH1", "SHIP1"), number, [box], carrier="DHL", tracking_number="T-1")
    with reading(runtime.engine) as session:
        shipped = printing.packing_slip_document(session, number)
    text = pdf_text(document_pdf(shipped))
    assert "Packed" in text and "Shipped" in text
    assert [line.shipped for line in shipped.lines] == [line.quantity for line in shipped.lines]
    assert all(line.shipped > Decimal(0) for line in shipped.lines if line.quantity)


def run(*args: str, env: dict[str, str]):
    return CliRunner().invoke(main, list(args), env=env)


def test_label_commands_prints_the_command_cards_that_scan_back(tmp_path):
    sheet = tmp_path / "cards.pdf"
    result = run("label", "commands", "--out", str(sheet), env={"WMS_CONFIG": ""})
    assert result.exit_code == 0, result.output
    pages = pdf_pages(sheet.read_bytes(), dpi=200)
    assert len(pages) == 3  # 11 cards, 4 to an A4 sheet
    scanned = [text for page in pages for _symbology, text in decode(page)]
    assert scanned == [f"*{n}" for n in range(11)]
    # What each scans as, the terminal reads as that key: *0 the keys page, *N function key N.
    assert [command_key(text) for text in scanned] == list(range(11))


def test_label_container_of_a_packed_container_fills_in_its_contents(runtime, tmp_path):
    number, [box] = packed_order(runtime)
    env = {"WMS_CONFIG": str(runtime.settings.source), "WMS_PRINT_QUEUE": str(tmp_path / "queue.db")}
    out = tmp_path / "box.pdf"
    result = run("label", "container", "--sscc", box, "--carrier", "UPS", "--out", str(out), env=env)
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    stored = label_of(runtime, box)
    assert number in text and "1 of 1" in text and stored.ship_to.lines[0] in text and "UPS" in text
    (page,) = pdf_pages(out.read_bytes())
    codes = [text for _symbology, text in decode(page)]
    assert codes[-1] == f"00{box}"
    if stored.gtin:  # one item in the box: its GTIN and count are encoded too
        assert any(code.startswith(f"02{stored.gtin}") for code in codes)


def test_printers_reprint_exits_1_when_the_job_did_not_print(tmp_path):
    printers = tmp_path / "printers.toml"
    printers.write_text('[printers.offline]\nkind = "tcp"\ntarget = "127.0.0.1:9"\ntimeout = 1\n'
                        f'[printers.spool]\nkind = "file"\ntarget = "{tmp_path}/spool/"\nformat = "zpl"\n')
    env = {"WMS_PRINTERS_CONFIG": str(printers), "WMS_PRINT_QUEUE": str(tmp_path / "queue.db"), "WMS_CONFIG": ""}
    assert run("label", "location", "--code", "A-01-03", "--printer", "spool", env=env).exit_code == 0
    assert run("printers", "reprint", "A-01-03", env=env).exit_code == 0
    failed = run("printers", "reprint", "A-01-03", "--printer", "offline", env=env)
    assert failed.exit_code == 1 and "pending" in failed.output and "printers retry" in failed.output
