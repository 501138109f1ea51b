"""Certificates: their numbers, rows and `certificate.issued` events, and revocation."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Literal

import msgspec

from schemas.envelope import Event
from schemas.grants import GrantedRating
from schemas.ratings import (
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    AssessedCandidate,
    CertificateIssued,
    CertificateRevoked,
    IssuedCertificate,
)
from services.platform.consumer import Rejected
from services.platform.db import Connection, Pool
from services.platform.outbox import Outbox

from .. import store
from ..domain import (
    LANE_SIZE,
    LANES,
    certificate_numbers,
    mask_name,
    serial_lane,
)
from ..store import CertificateRow
from . import SCHEMA

PART_SIZE = 1_000  # certificates per issued event: far below the bus payload limit


def certificate_of(
    number: str,
    holder: AssessedCandidate | GrantedRating,
    body_id: str,
    origin: Literal["assessment", "grant"],
    origin_id: str,
    exam_date: date,
    issued_on: date,
    *,
    grant_id: str | None = None,
) -> tuple[CertificateRow, IssuedCertificate]:
    """A certificate as it is stored (in full) and as it is announced (the name masked)."""
    row = CertificateRow(
        number=number,
        person=holder.person,
        id_last4=holder.id_last4,
        name=holder.name,
        occupation_code=holder.occupation_code,
        level=holder.level,
        body_id=body_id,
        origin=origin,
        origin_id=origin_id,
        exam_date=exam_date,
        issued_on=issued_on,
        grant_id=grant_id,
        year=exam_date.year,
    )
    announced = IssuedCertificate(
        number=number,
        person=holder.person,
        id_last4=holder.id_last4,
        name_masked=mask_name(holder.name),
        occupation_code=holder.occupation_code,
        level=holder.level,  # type: ignore[arg-type]
        issued_on=issued_on,
        grant_id=grant_id,
    )
    return row, announced


async def new_numbers(
    conn: Connection, body_no: int, year: int, count: int, origin_id: str
) -> list[str]:
    """`count` new certificate numbers for a body and year (see
    store.allocate_serials)."""
    lane, first = await store.allocate_serials(
        conn,
        body_no,
        year,
        count,
        lanes=LANES,
        lane_size=LANE_SIZE,
        fallback=serial_lane(origin_id),
    )
    if first + count - 1 > LANE_SIZE:
        raise Rejected(f"certificate serials of body {body_no} for {year} are used up")
    return certificate_numbers(year, body_no, lane * LANE_SIZE + first, count)


async def announce_issued(
    conn: Connection,
    outbox: Outbox,
    origin: str,
    origin_id: str,
    body_id: str,
    issued: list[IssuedCertificate],
    cause: Event[Any],
) -> None:
    """One certificate.issued event per part of up to PART_SIZE certificates, via the outbox."""
    parts = (len(issued) + PART_SIZE - 1) // PART_SIZE
    # Event ids stay within the envelope's 200 characters whatever the cause's id was.
    cause_id = cause.id if len(cause.id) <= 160 else hashlib.sha256(cause.id.encode()).hexdigest()
    for part in range(parts):
        chunk = issued[part * PART_SIZE : (part + 1) * PART_SIZE]
        await outbox.enqueue(
            conn,
            Event(
                id=f"certificates:{cause_id}:{part + 1}",
                source="/ratings",
                type=CERTIFICATE_ISSUED,
                subject=origin_id,
                actor=cause.actor,
                data=CertificateIssued(
                    origin=origin,  # type: ignore[arg-type]
                    origin_id=origin_id,
                    body_id=body_id,
                    part=part + 1,
                    parts=parts,
                    certificates=chunk,
                ),
            ),
        )


# -- revocation -------------------------------------------------------------------------------


class RevokeCertificate(msgspec.Struct, frozen=True, kw_only=True):
    """Revoke one certificate (its issuing body or the ministry; checked by the caller)."""

    number: str
    reason: str
    actor: str


class AlreadyRevoked(Exception):
    pass


async def revoke_certificate(command: RevokeCertificate, *, pool: Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        revoked = await revoke_certificates(
            conn, Outbox(SCHEMA), {command.number: command.reason}, command.actor
        )
        if not revoked:
            raise AlreadyRevoked(command.number)


async def revoke_certificates(
    conn: Connection, outbox: Outbox, reasons: dict[str, str], actor: str
) -> list[Any]:
    """Revoke certificates (number → reason) with a certificate.revoked event each, in the
    caller's transaction; return the rows revoked (already revoked ones are left out)."""
    revoked = await store.revoke(conn, reasons, actor) if reasons else []
    for row in revoked:
        number = row["number"]
        await outbox.enqueue(
            conn,
            Event(
                id=f"revoked:{number}",
                source="/ratings",
                type=CERTIFICATE_REVOKED,
                subject=number,
                actor=actor,
                data=CertificateRevoked(
                    number=number,
                    body_id=row["body_id"],
                    reason=row["revocation_reason"],
                    revoked_at=row["revoked_at"],
                    revoked_by=actor,
                    occupation_code=row["occupation_code"],
                    level=row["level"],
                    origin=row["origin"],
                ),
            ),
        )
    return revoked
