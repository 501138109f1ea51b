"""Open-data export contracts: the run an operator starts and the `metadata.json` it writes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

FORMAT_VERSION = "1.0"


class ExportFile(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    dataset: str
    format: Literal["csv", "jsonl"]
    rows: int
    bytes: int
    sha256: str
    url: str


class ExportDataset(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str
    source: str
    rows: int
    columns: list[str]


class ExportMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """`metadata.json` of one export: what is in it and how to check every file."""

    export_id: str
    format_version: str
    exported_at: datetime
    datasets: list[ExportDataset]
    files: list[ExportFile]
    csv_encoding: str = "UTF-8 with BOM, comma-separated; lists joined with '|'"
    licence: str = "Public data of the skillsreg registry; personal names appear masked."


class ExportRun(msgspec.Struct, frozen=True, kw_only=True):
    export_id: str
    status: Literal["running", "complete", "failed"]
    trigger: Literal["on-demand", "scheduled", "cli"]
    requested_by: str
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    metadata: ExportMetadata | None = None
    metadata_url: str | None = None


class ExportList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ExportRun]
    latest: str | None = None
    next_after: str | None = None
    next: str | None = None
