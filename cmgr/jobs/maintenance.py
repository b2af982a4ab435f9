"""`db export`: every table written all or nothing (a failed export leaves no half of the CSV
files beside an earlier complete export)."""

from __future__ import annotations

from pathlib import Path


def export(db, target: Path, fmt: str):
    """store.maintenance.export_tables into `target`, staged; returns its ExportResult with the
    final paths."""
    from cmgr.fileio import all_or_nothing
    from cmgr.store.maintenance import export_tables

    with all_or_nothing() as files:
        result = export_tables(db, files.directory(target), fmt)
        result.files = [str(files.final(p)) for p in result.files]
    result.directory = str(target)
    return result
