"""Our copy of the occupation codes, from `catalogue.changed`."""

from __future__ import annotations

from schemas.envelope import Event
from schemas.occupations import CatalogueChanged
from services.platform.db import Connection
from services.platform.outbox import Outbox

from .. import store


async def apply_catalogue(conn: Connection, event: Event[CatalogueChanged], outbox: Outbox) -> None:
    changed = event.data
    rows = [
        {"code": c.code, "level": c.level, "name_zh": c.name_zh, "status": c.status}
        for c in changed.changes
    ]
    await store.upsert_occupations(conn, changed.release_id, changed.revision, rows)
