"""Use cases of the ratings context: catalogue changes, assessment batches, grants and their
withdrawals, revocation."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from schemas.envelope import Event
from schemas.grants import GrantedRating, RatingsGranted, RatingsWithdrawn
from schemas.occupations import CatalogueChanged
from schemas.ratings import (
    BODY_AUTHORISED,
    BODY_REGISTERED,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    AssessmentSubmitted,
    Authorisation,
    BodyAuthorised,
    BodyRegistered,
    CertificateIssued,
    CertificateRevoked,
    IssuedCertificate,
)
from services.platform.consumer import Rejected
from services.platform.db import Connection
from services.platform.outbox import Outbox

from . import store, store_certificates
from .domain import (
    LANE_SIZE,
    LANES,
    RANK,
    TOP_GRADES,
    certificate_numbers,
    decide,
    mask_name,
    serial_lane,
)

SCHEMA = "ratings"
_PERSON = re.compile(r"^[0-9a-f]{64}$")
PART_SIZE = 1_000  # certificates per issued event: far below the bus payload limit

# One candidate's entry in a batch's outcome document: index, name, id_last4,
# occupation_code, level, theory, practical, review, outcome, reason, certificate number.
OutcomeEntry = tuple[
    int, str, str, str, str, float, float, float | None, str, str | None, str | None
]


def today() -> date:
    return datetime.now(UTC).date()


def content_hash(submission: AssessmentSubmitted) -> str:
    return hashlib.sha256(msgspec.json.encode(submission)).hexdigest()


# -- occupation codes -------------------------------------------------------------------------


async def apply_catalogue(conn: Connection, event: Event[CatalogueChanged], outbox: Outbox) -> None:
    changed = event.data
    rows = [
        {"code": c.code, "level": c.level, "name_zh": c.name_zh, "status": c.status}
        for c in changed.changes
    ]
    await store.upsert_occupations(conn, changed.release_id, changed.revision, rows)


# -- assessment batches -----------------------------------------------------------------------


async def apply_assessment(
    conn: Connection, event: Event[AssessmentSubmitted], outbox: Outbox
) -> None:
    """Judge every candidate, record outcomes, issue certificates: all or nothing."""
    batch = event.data
    digest = content_hash(batch)
    codes = sorted({c.occupation_code for c in batch.candidates})
    context = await store.batch_context(conn, batch.batch_id, batch.body_id, codes, batch.exam_date)
    if context["known_hash"] is not None:
        _same_or_refuse(batch.batch_id, context["known_hash"], digest)
        return
    if context["kind"] is None:
        raise Rejected(f"batch {batch.batch_id}: {batch.body_id} is not a registered body")
    body = {"kind": context["kind"], "body_no": context["body_no"]}
    statuses: dict[str, str] = context["statuses"]
    authorised = {code: frozenset(levels) for code, levels in context["authorised"].items()}
    decisions = [
        decide(
            c.level,
            c.occupation_code,
            c.theory,
            c.practical,
            c.review,
            body_kind=body["kind"],
            occupation_status=statuses.get(c.occupation_code),
            authorised_levels=authorised.get(c.occupation_code, frozenset()),
            exam_date=batch.exam_date,
        )
        for c in batch.candidates
    ]
    counts = Counter(d.outcome for d in decisions)
    passed = counts["passed"]
    numbers = iter(
        await _numbers(conn, body["body_no"], batch.exam_date.year, passed, batch.batch_id)
        if passed
        else []
    )
    issued_on = today()
    outcomes: list[OutcomeEntry] = []
    certificates: list[tuple[Any, ...]] = []
    issued: list[IssuedCertificate] = []
    for i, (c, d) in enumerate(zip(batch.candidates, decisions, strict=True)):
        number = next(numbers) if d.outcome == "passed" else None
        outcomes.append(
            (i, c.name, c.id_last4, c.occupation_code, c.level, c.theory, c.practical,
             c.review, d.outcome, d.reason, number)
        )  # fmt: skip
        if number is None:
            continue
        certificates.append(
            (number, c.person, c.id_last4, c.name, c.occupation_code, c.level, batch.body_id,
             "assessment", batch.batch_id, batch.exam_date, issued_on, None,
             batch.exam_date.year)
        )  # fmt: skip
        issued.append(
            IssuedCertificate(
                number=number,
                person=c.person,
                id_last4=c.id_last4,
                name_masked=mask_name(c.name),
                occupation_code=c.occupation_code,
                level=c.level,
                issued_on=issued_on,
            )
        )
    inserted = await store.insert_batch(
        conn,
        batch_id=batch.batch_id,
        body_id=batch.body_id,
        exam_date=batch.exam_date,
        content_hash=digest,
        event_id=event.id,
        actor=event.actor,
        counts=dict(counts),
        outcomes=outcomes,
    )
    if not inserted:
        # Another worker applied the same id meanwhile; the serials taken here stay unused
        # (numbers may have gaps, never duplicates).
        known = await store.batch_header(conn, batch.batch_id)
        assert known is not None
        _same_or_refuse(batch.batch_id, known["content_hash"], digest)
        return
    await store_certificates.copy_certificates(conn, certificates)
    await _announce(conn, outbox, "assessment", batch.batch_id, batch.body_id, issued, event)


def _same_or_refuse(batch_id: str, known: str, digest: str) -> None:
    if known != digest:
        raise Rejected(
            f"batch {batch_id} was already applied with different content; "
            "submit corrections under a new batch id"
        )


async def _numbers(
    conn: Connection, body_no: int, year: int, count: int, origin_id: str
) -> list[str]:
    """`count` new certificate numbers for a body and year (see
    store_certificates.allocate_serials)."""
    lane, first = await store_certificates.allocate_serials(
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


async def _announce(
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


# -- ratings granted by competition results ---------------------------------------------------


def _grant_problem(grant: GrantedRating, status: str | None) -> str | None:
    # The national ID was checked where it was received (the competitions API); it travels
    # only as its keyed hash.
    if not _PERSON.match(grant.person):
        return "not a person reference (a keyed hash of the national ID)"
    if grant.level not in RANK:
        return f"unknown level {grant.level!r}"
    if grant.level in TOP_GRADES:
        return f"{grant.level} is assessed by enterprise bodies only"
    if status is None:
        return f"unknown occupation code {grant.occupation_code}"
    if status != "active":
        return f"occupation {grant.occupation_code} is retired"
    return None


async def apply_grants(conn: Connection, event: Event[RatingsGranted], outbox: Outbox) -> None:
    """Issue each grant's certificate once per grant_id, whatever result revision repeats it."""
    granted = event.data
    handled = await store_certificates.handled_grants(conn, [g.grant_id for g in granted.grants])
    fresh: dict[str, GrantedRating] = {}
    for grant in granted.grants:
        if grant.grant_id not in handled:
            fresh.setdefault(grant.grant_id, grant)
    if not fresh:
        return
    body_id = f"competition:{granted.competition_code}"
    body, created = await store.ensure_body(
        conn, body_id, f"Competition {granted.competition_code}", "competition"
    )
    if created:
        await announce_body(conn, outbox, body, event.actor)
    statuses = await store.occupation_statuses(
        conn, sorted({g.occupation_code for g in fresh.values()})
    )
    problems = {gid: _grant_problem(g, statuses.get(g.occupation_code)) for gid, g in fresh.items()}
    numbers: dict[str, str] = {}
    for year in sorted({g.awarded_on.year for gid, g in fresh.items() if not problems[gid]}):
        ids = [gid for gid, g in fresh.items() if not problems[gid] and g.awarded_on.year == year]
        allocated = await _numbers(conn, body["body_no"], year, len(ids), event.id)
        numbers |= dict(zip(ids, allocated, strict=True))
    recorded = await store_certificates.insert_grant_outcomes(
        conn,
        [
            {
                "grant_id": gid,
                "competition_code": granted.competition_code,
                "result_revision": granted.result_revision,
                "outcome": "refused" if problems[gid] else "passed",
                "reason": problems[gid],
                "certificate_no": numbers.get(gid),
            }
            for gid in fresh
        ],
    )
    issued_on = today()
    rows: list[tuple[Any, ...]] = []
    issued: list[IssuedCertificate] = []
    for gid in recorded & numbers.keys():
        g = fresh[gid]
        person = g.person
        rows.append(
            (
                numbers[gid],
                person,
                g.id_last4,
                g.name,
                g.occupation_code,
                g.level,
                body_id,
                "grant",
                gid,
                g.awarded_on,
                issued_on,
                gid,
                g.awarded_on.year,
            )
        )
        issued.append(
            IssuedCertificate(
                number=numbers[gid],
                person=person,
                id_last4=g.id_last4,
                name_masked=mask_name(g.name),
                occupation_code=g.occupation_code,
                level=g.level,  # type: ignore[arg-type]
                issued_on=issued_on,
                grant_id=gid,
            )
        )
    await store_certificates.copy_certificates(conn, rows)
    origin_id = f"{granted.competition_code}:r{granted.result_revision}"
    await _announce(conn, outbox, "grant", origin_id, body_id, issued, event)


async def apply_withdrawals(
    conn: Connection, event: Event[RatingsWithdrawn], outbox: Outbox
) -> None:
    """Revoke the certificate each withdrawn grant issued; a grant not here yet is recorded as
    withdrawn, so it issues nothing when it arrives. Refused or revoked ones stay as they are."""
    withdrawn = event.data
    reasons = {w.grant_id: w.reason for w in withdrawn.withdrawals}
    # First: it waits for a grant being applied side by side, which the update then sees.
    await store_certificates.withdraw_unseen_grants(
        conn, withdrawn.competition_code, withdrawn.result_revision, reasons
    )
    marked = await store_certificates.withdraw_grant_outcomes(conn, reasons)
    certificates = {
        r["certificate_no"]: reasons[r["grant_id"]] for r in marked if r["certificate_no"]
    }
    actor = event.actor if event.actor != "system" else "system:competitions"
    await revoke_certificates(conn, outbox, certificates, actor)


# -- evaluation bodies ------------------------------------------------------------------------


async def announce_body(conn: Connection, outbox: Outbox, body: Any, actor: str) -> None:
    """`body.registered` for a body row just inserted, in the caller's transaction."""
    await outbox.enqueue(
        conn,
        Event(
            id=f"body:{body['body_id']}",
            source="/ratings",
            type=BODY_REGISTERED,
            subject=body["body_id"],
            actor=actor,
            data=BodyRegistered(
                body_id=body["body_id"],
                body_no=body["body_no"],
                name=body["name"],
                kind=body["kind"],
                province=body["province"],
            ),
        ),
    )


async def announce_authorisation(
    conn: Connection, outbox: Outbox, body_id: str, granted: Authorisation, actor: str
) -> None:
    """`body.authorised` for an authorisation just inserted, in the caller's transaction."""
    await outbox.enqueue(
        conn,
        Event(
            id=f"authorisation:{granted.authorisation_id}",
            source="/ratings",
            type=BODY_AUTHORISED,
            subject=body_id,
            actor=actor,
            data=BodyAuthorised(
                body_id=body_id,
                authorisation_id=granted.authorisation_id,
                occupation_code=granted.occupation_code,
                levels=granted.levels,  # type: ignore[arg-type]
                valid_from=granted.valid_from,
                valid_to=granted.valid_to,
            ),
        ),
    )


# -- revocation -------------------------------------------------------------------------------


async def revoke_certificates(
    conn: Connection, outbox: Outbox, reasons: dict[str, str], actor: str
) -> list[Any]:
    """Revoke certificates (number → reason) with a certificate.revoked event each, in the
    caller's transaction; return the rows revoked (already revoked ones are left out)."""
    revoked = await store_certificates.revoke(conn, reasons, actor) if reasons else []
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
