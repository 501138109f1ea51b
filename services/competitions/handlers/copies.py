"""Our copies of other contexts' data: the occupation catalogue, certificates issued."""

from __future__ import annotations

from schemas.envelope import Event
from schemas.occupations import CatalogueChanged
from schemas.ratings import CertificateIssued, CertificateRevoked
from services.platform.db import Connection
from services.platform.outbox import Outbox

from .. import store


async def apply_catalogue(conn: Connection, event: Event[CatalogueChanged], outbox: Outbox) -> None:
    await store.upsert_occupations(conn, event.data.revision, event.data.changes)


async def apply_certificates(
    conn: Connection, event: Event[CertificateIssued], outbox: Outbox
) -> None:
    """The certificates the ratings service issued for our grants, by grant id."""
    issued = {c.grant_id: c.number for c in event.data.certificates if c.grant_id}
    if event.data.origin == "grant" and issued:
        await store.link_certificates(conn, issued)


async def apply_revocation(
    conn: Connection, event: Event[CertificateRevoked], outbox: Outbox
) -> None:
    if event.data.origin in (None, "grant"):
        await store.record_revocation(conn, event.data.number, event.data.revoked_at)
