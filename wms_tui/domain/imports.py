"""Batch imports as the floor sees them: an import id, written in short transactions, visible as
unfinished until it is complete (or rolled back)."""

from __future__ import annotations

from enum import StrEnum


class ImportState(StrEnum):
    RUNNING = "running"  # checked, being written; a crash leaves it here: resume or roll back
    COMPLETE = "complete"
    ROLLED_BACK = "rolled_back"  # what it wrote was undone (moves reversed)


def import_ref(run_id: int) -> str:
    """The document reference on every move an import posts: the moves of one import, found again."""
    return f"IMPORT-{run_id}"
