"""The `wms-tui label` and `wms-tui printers` commands end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.labels.conftest import GTIN, SSCC, decode, pdf_pages
from wms_tui.cli import main


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    cfg = tmp_path / "printers.toml"
    cfg.write_text(
        f'[printers.spool]\nkind = "file"\ntarget = "{tmp_path}/spool/"\nformat = "zpl"\n'
        f'[printers.offline]\nkind = "tcp"\ntarget = "127.0.0.1:9"\ntimeout = 1\n'
    )
    return {"WMS_PRINTERS_CONFIG": str(cfg), "WMS_PRINT_QUEUE": str(tmp_path / "queue.db")}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_container_to_pdf_and_zpl(tmp_path: Path, env: dict[str, str]) -> None:
    pdf = tmp_path / "c.pdf"
    code, out = run(
        env,
        "label",
        "container",
        "--sscc",
        SSCC,
        "--gtin",
        GTIN,
        "--count",
        "12",
        "--lot",
        "A1",
        "--ship-to",
        "Nordic Retail AB, Lagergatan 4, Malmö",
        "--container",
        "1",
        "--of",
        "2",
        "--out",
        str(pdf),
    )
    assert code == 0, out
    (page,) = pdf_pages(pdf.read_bytes())
    assert decode(page) == [("]C1", f"02{GTIN}3712"), ("]C1", f"00{SSCC}")]
    code, out = run(
        env, "label", "container", "--sscc", SSCC, "--out", str(tmp_path / "c.zpl"), "--dpi", "300"
    )
    assert code == 0 and (tmp_path / "c.zpl").read_bytes().startswith(b"^XA")


def test_wrong_check_digit_is_a_clear_error(tmp_path: Path, env: dict[str, str]) -> None:
    code, out = run(
        env, "label", "container", "--sscc", SSCC[:-1] + "0", "--out", str(tmp_path / "x.pdf")
    )
    assert code == 1 and "Invalid SSCC check digit" in out
    assert not (tmp_path / "x.pdf").exists()


def test_print_queue_reprint_and_test_page(tmp_path: Path, env: dict[str, str]) -> None:
    code, out = run(env, "label", "location", "--code", "A-01-03", "--printer", "spool")
    assert code == 0 and "printed on spool" in out
    code, out = run(env, "printers", "reprint", "A-01-03")
    assert code == 0 and "sent" in out
    assert len(list((tmp_path / "spool").iterdir())) == 2
    code, out = run(env, "printers", "test", "spool")
    assert code == 0
    code, out = run(env, "printers", "list")
    assert "spool: file" in out and "offline: tcp 127.0.0.1:9" in out


def test_offline_printer_keeps_the_job_pending(tmp_path: Path, env: dict[str, str]) -> None:
    code, out = run(env, "label", "item", "--gtin", GTIN, "--printer", "offline")
    assert code == 0 and "pending on offline" in out
    code, out = run(env, "printers", "queue")
    assert "pending" in out and GTIN in out and "cannot send to 127.0.0.1:9" in out
    code, out = run(env, "printers", "retry")
    assert "pending" in out


def test_documents_from_json(tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "doc.json"
    data.write_text(
        json.dumps(
            {
                "number": "SO-1",
                "date": "2025-03-01",
                "from": "ACME, Street 1",
                "to": {"name": "Shop"},
                "references": {"Order": "SO-1", "PO": "PO-9"},
                "lines": [
                    {
                        "sku": "A",
                        "description": "Oat",
                        "quantity": 2,
                        "unit_price": "9.99",
                        "location": "B-02",
                    }
                ],
            }
        )
    )
    for kind in ("picklist", "packingslip", "receiving", "invoice"):
        out_pdf = tmp_path / f"{kind}.pdf"
        code, out = run(env, "label", kind, "--data", str(data), "--out", str(out_pdf))
        assert code == 0, out
        assert out_pdf.read_bytes().startswith(b"%PDF")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "number": "1",
                "date": "yesterday",
                "from": "A",
                "to": "B",
                "lines": [{"sku": "A", "quantity": 1}],
            }
        )
    )
    code, out = run(env, "label", "picklist", "--data", str(bad), "--out", str(tmp_path / "b.pdf"))
    assert code == 1 and "date: expected an ISO date" in out


def test_unknown_printer_lists_configured_ones(env: dict[str, str]) -> None:
    code, out = run(env, "printers", "test", "nope")
    assert code == 1 and "unknown printer 'nope'; configured: offline, spool" in out
