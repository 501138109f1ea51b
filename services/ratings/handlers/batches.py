"""Assessment batches: submitted over HTTP, judged and applied by the consumer."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import msgspec

from schemas.envelope import Event
from schemas.ratings import (
    ASSESSMENT_SUBMITTED,
    AssessedCandidate,
    AssessmentBatchCreate,
    AssessmentSubmitted,
    IssuedCertificate,
)
from services.platform.bus import Bus
from services.platform.consumer import Rejected
from services.platform.db import Connection, Pool
from services.platform.errors import field_error
from services.platform.national_ids import normalise_id, person_hasher
from services.platform.outbox import Outbox

from .. import store
from ..domain import (
    MAX_BATCH,
    OutcomeEntry,
    batch_id_reused,
    candidate_problems,
    decide,
)
from ..store import CertificateRow
from . import today
from .certificates import announce_issued, certificate_of, new_numbers


def content_hash(submission: AssessmentSubmitted) -> str:
    return hashlib.sha256(msgspec.json.encode(submission)).hexdigest()


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
        await new_numbers(conn, body["body_no"], batch.exam_date.year, passed, batch.batch_id)
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
        row, certificate = certificate_of(
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
    await store.copy_certificates(conn, certificates)
    await announce_issued(conn, outbox, "assessment", batch.batch_id, batch.body_id, issued, event)


def _same_or_refuse(batch_id: str, known: str, digest: str) -> None:
    reused = batch_id_reused(batch_id, known, digest)
    if reused:
        raise Rejected(reused)
