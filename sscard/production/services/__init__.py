"""Writes of production, one module per flow: forming and starting batches (``batches``), the
card factory's file and its result (``factory``), personalisation (``personalise``). Reads are
in ``production.selectors``."""

from sscard.production.services.batches import batch_create, batch_start, batches_form
from sscard.production.services.factory import (
    ExportFiles,
    ResultCheck,
    batch_export,
    factory_result_check,
    factory_result_import,
)
from sscard.production.services.personalise import batch_personalise

__all__ = [
    "ExportFiles",
    "ResultCheck",
    "batch_create",
    "batch_export",
    "batch_personalise",
    "batch_start",
    "batches_form",
    "factory_result_check",
    "factory_result_import",
]
