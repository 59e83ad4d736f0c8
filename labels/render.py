"""Pick the output for a printer or a file: PDF or ZPL, media and dpi."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from labels.models import Label
from labels.pdf import labels_pdf
from labels.printers import Printer
from labels.zpl import labels_zpl


def format_for_path(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".pdf", ".zpl"):
        raise ValueError(f"output file must end in .pdf or .zpl, got {str(path)!r}")
    return suffix[1:]


def render_labels(labels: Sequence[Label], fmt: str, media: str = "4x6", dpi: int = 203) -> bytes:
    if fmt == "pdf":
        return labels_pdf(labels, media)  # type: ignore[arg-type]  # validated by label_size_mm
    if fmt == "zpl":
        return labels_zpl(labels, dpi, media)
    raise ValueError(f"format must be pdf or zpl, got {fmt!r}")


def render_for_printer(labels: Sequence[Label], printer: Printer) -> bytes:
    return render_labels(labels, printer.format, printer.media, printer.dpi)
