"""Labels and printing: GS1 label models, PDF/ZPL rendering, SSCC numbering, printers
and a durable print queue.

Reusable on its own: this package imports nothing from ``wms_tui`` and takes plain
dataclasses.
"""

from labels.documents import document_pdf
from labels.gs1 import (
    LabelDataError,
    gs1_data,
    location_check_digits,
    make_sscc,
    sscc_check_digit,
    validate_gtin,
    validate_sscc,
)
from labels.models import (
    DOCUMENT_KINDS,
    Address,
    ContainerLabel,
    Document,
    DocumentLine,
    ItemLabel,
    Label,
    LocationLabel,
    PalletLabel,
    document_from_mapping,
)
from labels.pdf import LABEL_MEDIA, label_pdf, labels_pdf
from labels.printers import (
    Printer,
    PrinterConfigError,
    PrinterError,
    load_printers,
    printer_from_mapping,
    send,
)
from labels.queue import Job, PrintQueue
from labels.render import format_for_path, render_for_printer, render_labels
from labels.sscc import (
    Allocation,
    SsccAllocator,
    SsccConfig,
    SsccRangeExhausted,
    config_from_mapping,
    split_ranges,
)
from labels.zpl import label_zpl, labels_zpl

__all__ = [
    "Allocation",
    "Job",
    "PrintQueue",
    "Printer",
    "PrinterConfigError",
    "PrinterError",
    "SsccAllocator",
    "SsccConfig",
    "SsccRangeExhausted",
    "config_from_mapping",
    "document_pdf",
    "format_for_path",
    "load_printers",
    "printer_from_mapping",
    "render_for_printer",
    "render_labels",
    "send",
    "split_ranges",
    "DOCUMENT_KINDS",
    "LABEL_MEDIA",
    "Address",
    "ContainerLabel",
    "Document",
    "DocumentLine",
    "ItemLabel",
    "Label",
    "LabelDataError",
    "LocationLabel",
    "PalletLabel",
    "document_from_mapping",
    "gs1_data",
    "label_pdf",
    "label_zpl",
    "labels_pdf",
    "labels_zpl",
    "location_check_digits",
    "make_sscc",
    "sscc_check_digit",
    "validate_gtin",
    "validate_sscc",
]
