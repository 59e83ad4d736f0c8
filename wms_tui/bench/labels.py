"""`wms-tui bench labels`: container label render time (PDF, ZPL) and a 1,000-label sheet."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from labels import Address, ContainerLabel, label_pdf, label_zpl, labels_pdf, make_sscc


def _sample(serial: int) -> ContainerLabel:
    return ContainerLabel(
        sscc=make_sscc(1, "5703538", serial),
        ship_from=Address("ACME Distribution", ("Industrivej 12",), "8000", "Aarhus C", "DK"),
        ship_to=Address("Nordic Retail AB", ("Lagergatan 4", "Dock 7"), "211 20", "Malmö", "SE"),
        order_number=f"SO-{10000 + serial}",
        po_number="PO-778812",
        carrier="DHL Freight",
        tracking_number="JJD000390007843421",
        gtin="07032069804988",
        description="Organic oat drink 1 L, 12-pack",
        count=24,
        lot=f"L{serial % 1000:04d}",
        best_before=dt.date(2026, 5, 26),
        container_index=1,
        container_total=1,
        gross_weight_kg=Decimal("412.5"),
    )


def _median_ms(fn: Any, runs: int) -> float:
    times = []
    for i in range(runs):
        label = _sample(i + 1)  # a new SSCC each time, as in production
        start = time.perf_counter()
        fn(label)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def bench_labels_figures(
    pdf_runs: int = 100, zpl_runs: int = 1000, sheet: int = 1000
) -> dict[str, Any]:
    _median_ms(label_pdf, 3)  # warm-up: font metrics, imports
    figures: dict[str, Any] = {
        "pdf_label_median_ms": _median_ms(label_pdf, pdf_runs),
        "zpl_label_median_ms": _median_ms(label_zpl, zpl_runs),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.pdf"
        start = time.perf_counter()
        with open(path, "wb") as fh:
            labels_pdf((_sample(i + 1) for i in range(sheet)), "a4-sheet", out=fh)
        figures["pdf_sheet_1000_s"] = round(time.perf_counter() - start, 3)
        figures["pdf_sheet_bytes"] = path.stat().st_size
    return figures


@click.command("labels")
def bench_labels() -> None:
    """Render one container label (PDF, ZPL medians) and 1,000 labels to one A4 sheet PDF."""
    click.echo(json.dumps(bench_labels_figures()))
