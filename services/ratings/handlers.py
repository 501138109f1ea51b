"""Use cases of the ratings context: catalogue changes, assessment batches, grants and their
withdrawals, revocation."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any, Literal

import msgspec

from schemas.envelope import Event
from schemas.grants import GrantedRating, RatingsGranted, RatingsWithdrawn
from schemas.occupations import CatalogueChanged
from schemas.ratings import (
    ASSESSMENT_SUBMITTED,
    BODY_AUTHORISED,
    BODY_REGISTERED,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    TOP_GRADES,
    AssessedCandidate,
    AssessmentBatchCreate,
    AssessmentSubmitted,
    Authorisation,
    AuthorisationCreate,
    BodyAuthorised,
    BodyRegistered,
    CertificateIssued,
    CertificateRevoked,
    EvaluationBodyCreate,
    IssuedCertificate,
)
from services.platform.bus import Bus
from services.platform.consumer import Rejected
from services.platform.db import Connection, Pool
from services.platform.errors import field_error
from services.platform.national_ids import normalise_id, person_hasher
from services.platform.outbox import Outbox

from . import store, store_certificates
from .domain import (
    LANE_SIZE,
    LANES,
    MAX_BATCH,
    RANK,
    OutcomeEntry,
    batch_id_reused,
    candidate_problems,
    certificate_numbers,
    decide,
    mask_name,
    serial_lane,
)
from .store_certificates import CertificateRow

SCHEMA = "ratings"
_PERSON = re.compile(r"^[0-9a-f]{64}$")
PART_SIZE = 1_000  # certificates per issued event: far below the bus payload limit


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


class SubmitAssessmentBatch(msgspec.Struct, frozen=True, kw_only=True):
    """An evaluation body submits a batch (its token was checked for the batch's body)."""

    batch: AssessmentBatchCreate
    actor: str


class BatchSubmitted(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: str
    content_hash: str
    # The same batch was applied before: nothing was published, the outcome is there to read.
    already_applied: bool = False


class BatchRefused(Exception):
    """The batch cannot be submitted as it is; nothing was published. `problem` names why
    (batch-size, unregistered-body, invalid-candidates), `errors` point at the fields."""

    def __init__(self, problem: str, title: str, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.problem, self.title, self.detail, self.errors = problem, title, detail, errors


class BatchIdReused(Exception):
    """The batch id was applied with other content (the id is the idempotency key)."""


async def submit_assessment_batch(
    command: SubmitAssessmentBatch, *, pool: Pool, bus: Bus, id_key: bytes
) -> BatchSubmitted:
    """Check the whole batch now (every bad candidate at once), then publish it for the
    consumer to judge and apply (`apply_assessment`); nothing is written here. National IDs
    leave as their keyed hash (`id_key`) and last four characters."""
    data = command.batch
    if not data.candidates or len(data.candidates) > MAX_BATCH:
        raise BatchRefused(
            "batch-size",
            "Batch size out of range",
            f"a batch holds 1 to {MAX_BATCH} candidates; this one has {len(data.candidates)}",
            [field_error("candidates", f"1 to {MAX_BATCH} candidates")],
        )
    body = await store.get_body(pool, data.body_id)
    if body is None or body["kind"] == "competition":
        raise BatchRefused(
            "unregistered-body",
            "Not a registered evaluation body",
            f"{data.body_id} is not registered; the ministry registers bodies first",
            [field_error("body_id", "not a registered evaluation body")],
        )
    problems = candidate_problems(data.candidates, today())
    if problems:
        raise BatchRefused(
            "invalid-candidates",
            "Some candidates are not valid",
            f"{len({p['index'] for p in problems})} of {len(data.candidates)} candidates "
            "have problems; nothing was submitted",
            problems,
        )
    submission = assessment_submitted(data, id_key)
    digest = content_hash(submission)
    known = await store.batch_header(pool, data.batch_id)
    if known is not None:
        check_same_batch(data.batch_id, known["content_hash"], digest)
        return BatchSubmitted(batch_id=data.batch_id, content_hash=digest, already_applied=True)
    await bus.publish(
        Event(
            id=f"assessment:{data.batch_id}:{digest[:16]}",
            source="/ratings",
            type=ASSESSMENT_SUBMITTED,
            subject=data.batch_id,
            actor=command.actor,
            data=submission,
        )
    )
    return BatchSubmitted(batch_id=data.batch_id, content_hash=digest)


def check_same_batch(batch_id: str, known_hash: str, digest: str) -> None:
    """For a submitter: a batch id applied before takes only the same content again."""
    reused = batch_id_reused(batch_id, known_hash, digest)
    if reused:
        raise BatchIdReused(reused)


def assessment_submitted(data: AssessmentBatchCreate, id_key: bytes) -> AssessmentSubmitted:
    """The event payload of a checked batch: each national ID as its keyed hash."""
    person = person_hasher(id_key)
    candidates = []
    for c in data.candidates:
        national_id = normalise_id(c.national_id)
        candidates.append(
            AssessedCandidate(
                person=person(national_id),
                id_last4=national_id[-4:],
                name=c.name.strip(),
                occupation_code=c.occupation_code,
                level=c.level,  # type: ignore[arg-type]
                theory=float(c.theory or 0.0),
                practical=float(c.practical or 0.0),
                review=c.review,
            )
        )
    return AssessmentSubmitted(
        batch_id=data.batch_id,
        body_id=data.body_id,
        exam_date=data.exam_date,
        candidates=candidates,
    )


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
    counts: Counter[str] = Counter(d.outcome for d in decisions)
    passed = counts["passed"]
    numbers = iter(
        await _numbers(conn, body["body_no"], batch.exam_date.year, passed, batch.batch_id)
        if passed
        else []
    )
    issued_on = today()
    outcomes: list[OutcomeEntry] = []
    certificates: list[CertificateRow] = []
    issued: list[IssuedCertificate] = []
    for i, (c, d) in enumerate(zip(batch.candidates, decisions, strict=True)):
        number = next(numbers) if d.outcome == "passed" else None
        outcomes.append(
            OutcomeEntry(i, c.name, c.id_last4, c.occupation_code, c.level, c.theory,
                         c.practical, c.review, d.outcome, d.reason, number)
        )  # fmt: skip
        if number is None:
            continue
        row, certificate = _certificate(
            number, c, batch.body_id, "assessment", batch.batch_id, batch.exam_date, issued_on
        )
        certificates.append(row)
        issued.append(certificate)
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
    reused = batch_id_reused(batch_id, known, digest)
    if reused:
        raise Rejected(reused)


def _certificate(
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
    rows: list[CertificateRow] = []
    issued: list[IssuedCertificate] = []
    for gid in recorded & numbers.keys():
        g = fresh[gid]
        row, certificate = _certificate(
            numbers[gid], g, body_id, "grant", gid, g.awarded_on, issued_on, grant_id=gid
        )
        rows.append(row)
        issued.append(certificate)
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
#
# Registering and authorising are ministry writes straight into the ratings schema, each in one
# transaction with its `body.registered` / `body.authorised` event in the outbox: they are rare,
# must be visible at once to the next submission's checks, and no other context feeds them.


class RegisterBody(msgspec.Struct, frozen=True, kw_only=True):
    body: EvaluationBodyCreate
    actor: str


class BodyRegistration(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    created: bool  # False: the same registration again, nothing written


class BodyExists(Exception):
    """The body id is registered with another name, kind or province."""


async def register_body(command: RegisterBody, *, pool: Pool) -> BodyRegistration:
    data = command.body
    async with pool.acquire() as conn, conn.transaction():
        row = await store.insert_body(
            conn, data.body_id, data.name, data.kind, command.actor, data.province
        )
        if row is None:
            existing = await store.get_body(conn, data.body_id)
            assert existing is not None
            registered = (existing["name"], existing["kind"], existing["province"])
            if registered != (data.name, data.kind, data.province):
                raise BodyExists(
                    f"{data.body_id} is registered as {existing['kind']} {existing['name']!r}"
                    f" in province {existing['province'] or 'none'}"
                )
            return BodyRegistration(body_id=data.body_id, created=False)
        await announce_body(conn, Outbox(SCHEMA), row, command.actor)
    return BodyRegistration(body_id=data.body_id, created=True)


class AuthoriseBody(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    authorisation: AuthorisationCreate
    actor: str


class BodyNotFound(Exception):
    pass


class AuthorisationRefused(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


async def authorise_body(command: AuthoriseBody, *, pool: Pool) -> Authorisation:
    body_id, data = command.body_id, command.authorisation
    body = await store.get_body(pool, body_id)
    if body is None:
        raise BodyNotFound(body_id)
    errors = []
    if body["kind"] == "competition":
        errors.append(field_error("body_id", "competition bodies issue grants only"))
    top = sorted(set(data.levels) & TOP_GRADES)
    if top and body["kind"] != "enterprise":
        errors.append(field_error("levels", f"{', '.join(top)}: enterprise bodies only"))
    if data.valid_to is not None and data.valid_to < data.valid_from:
        errors.append(field_error("valid_to", "must not be before valid_from"))
    status = (await store.occupation_statuses(pool, [data.occupation_code])).get(
        data.occupation_code
    )
    if status != "active":
        reason = "is retired" if status else "is not a known occupation"
        errors.append(field_error("occupation_code", f"{data.occupation_code} {reason}"))
    if errors:
        raise AuthorisationRefused(errors)
    levels = sorted(set(data.levels), key=lambda lv: data.levels.index(lv))
    async with pool.acquire() as conn, conn.transaction():
        authorisation_id = await store.insert_authorisation(
            conn,
            body_id,
            data.occupation_code,
            list(levels),
            data.valid_from,
            data.valid_to,
            command.actor,
        )
        granted = Authorisation(
            authorisation_id=authorisation_id,
            occupation_code=data.occupation_code,
            levels=list(levels),
            valid_from=data.valid_from,
            valid_to=data.valid_to,
        )
        await announce_authorisation(conn, Outbox(SCHEMA), body_id, granted, command.actor)
    return granted


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
