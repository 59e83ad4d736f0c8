"""Labels and printing: GS1 label models, PDF/ZPL rendering, SSCC ranges, printers
and a durable print queue.

Reusable on its own: this package imports nothing from ``wms_tui`` and takes plain
dataclasses.
"""

import importlib

# Public name -> the module defining it, imported on first use (PEP 562): a program that only
# needs the printer settings does not pay for importing reportlab.
_EXPORTS = {
    "Address": "labels.models",
    "CommandCard": "labels.models",
    "ContainerLabel": "labels.models",
    "DOCUMENT_KINDS": "labels.models",
    "Document": "labels.models",
    "DocumentLine": "labels.models",
    "ItemLabel": "labels.models",
    "Job": "labels.queue",
    "LABEL_MEDIA": "labels.pdf",
    "Label": "labels.models",
    "LabelDataError": "labels.gs1",
    "LocationLabel": "labels.models",
    "PalletLabel": "labels.models",
    "PrintQueue": "labels.queue",
    "Printer": "labels.printers",
    "PrinterConfigError": "labels.printers",
    "PrinterError": "labels.printers",
    "SsccConfig": "labels.sscc",
    "config_from_mapping": "labels.sscc",
    "document_from_mapping": "labels.models",
    "document_pdf": "labels.documents",
    "format_for_path": "labels.render",
    "gs1_data": "labels.gs1",
    "label_pdf": "labels.pdf",
    "label_zpl": "labels.zpl",
    "labels_pdf": "labels.pdf",
    "labels_zpl": "labels.zpl",
    "load_printers": "labels.printers",
    "location_check_digits": "labels.gs1",
    "make_sscc": "labels.gs1",
    "printer_from_mapping": "labels.printers",
    "render_for_printer": "labels.render",
    "render_labels": "labels.render",
    "send": "labels.printers",
    "split_ranges": "labels.sscc",
    "sscc_check_digit": "labels.gs1",
    "validate_gtin": "labels.gs1",
    "validate_sscc": "labels.gs1",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'labels' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
