"""Writing one export to disk: CSV and JSON Lines per dataset, then `metadata.json`.

Files are written into a hidden partial directory and renamed into place at the end, so a
reader never sees half an export.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import os
import re
import shutil
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from schemas.exports import FORMAT_VERSION, ExportDataset, ExportFile, ExportMetadata
from services.platform.public_api import PublicApi

from .datasets import Dataset

METADATA = "metadata.json"
BUNDLE = "skillsreg_export.zip"  # every file of the export in one download


PARTIAL = ".partial-"


def export_dir(root: Path, export_id: str) -> Path:
    return root / export_id


def remove_before(root: Path, oldest: str, export_id: re.Pattern[str]) -> None:
    """Delete the directories of exports older than `oldest`, finished or left half-written."""
    if not root.is_dir():
        return
    for entry in root.iterdir():
        name = entry.name.removeprefix(PARTIAL)
        if export_id.match(name) and name < oldest:
            shutil.rmtree(entry, ignore_errors=True)


def cell(value: Any) -> str:
    """A CSV cell: lists of plain values joined with '|', nested objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "|".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return msgspec.json.encode(value).decode()
    return str(value)


def columns_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def encode_csv(rows: Sequence[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([cell(row.get(c)) for c in columns] for row in rows)
    # The BOM lets spreadsheet programs open Chinese text as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def encode_jsonl(rows: Sequence[dict[str, Any]]) -> bytes:
    encoder = msgspec.json.Encoder()
    buffer = bytearray()
    for row in rows:
        encoder.encode_into(row, buffer, len(buffer))
        buffer.extend(b"\n")
    return bytes(buffer)


async def write_export(
    public: PublicApi, datasets: Sequence[Dataset], root: Path, export_id: str
) -> ExportMetadata:
    partial = root / f"{PARTIAL}{export_id}"
    await asyncio.to_thread(shutil.rmtree, partial, ignore_errors=True)
    partial.mkdir(parents=True)
    files: list[ExportFile] = []
    described: list[ExportDataset] = []
    for dataset in datasets:
        # One dataset's rows at a time: the process holds the largest dataset, not the export.
        rows = [row async for row in dataset.rows(public)]
        # Encoding and writing are blocking; keep them off the event loop.
        written = await asyncio.to_thread(write_dataset, dataset, rows, partial, export_id)
        described.append(written[0])
        files.extend(written[1])
        del rows, written
    return await asyncio.to_thread(finish, described, files, partial, root, export_id)


def write_dataset(
    dataset: Dataset, rows: list[dict[str, Any]], partial: Path, export_id: str
) -> tuple[ExportDataset, list[ExportFile]]:
    columns = columns_of(rows)
    described = ExportDataset(
        name=dataset.name,
        description=dataset.description,
        source=dataset.route,
        rows=len(rows),
        columns=columns,
    )
    files: list[ExportFile] = []
    for fmt in ("csv", "jsonl"):
        data = encode_csv(rows, columns) if fmt == "csv" else encode_jsonl(rows)
        name = f"{dataset.name}.{fmt}"
        (partial / name).write_bytes(data)
        files.append(
            ExportFile(
                name=name,
                dataset=dataset.name,
                format=fmt,
                rows=len(rows),
                bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                url=f"/exports/{export_id}/{name}",
            )
        )
        del data
    return described, files


def finish(
    described: list[ExportDataset],
    files: list[ExportFile],
    partial: Path,
    root: Path,
    export_id: str,
) -> ExportMetadata:
    """`metadata.json` and the bundle, then the export moves into place."""
    metadata = ExportMetadata(
        export_id=export_id,
        format_version=FORMAT_VERSION,
        exported_at=datetime.now(UTC),
        datasets=described,
        files=files,
    )
    (partial / METADATA).write_bytes(msgspec.json.format(msgspec.json.encode(metadata)))
    with zipfile.ZipFile(partial / BUNDLE, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for entry in [*(f.name for f in files), METADATA]:
            bundle.write(partial / entry, arcname=entry)
    os.replace(partial, export_dir(root, export_id))
    return metadata
