"""Skill-rating contracts: assessment batches, certificates, evaluation bodies.

National IDs appear only in HTTP request bodies the ratings service receives; every event and
every response carries a keyed hash (`person`) and the last four characters instead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, get_args

import msgspec

from .regions import ProvinceCode

ASSESSMENT_SUBMITTED = "skills.ratings.assessment.submitted"
CERTIFICATE_ISSUED = "skills.ratings.certificate.issued"
CERTIFICATE_REVOKED = "skills.ratings.certificate.revoked"
BODY_REGISTERED = "skills.ratings.body.registered"
BODY_AUTHORISED = "skills.ratings.body.authorised"

# The eight levels of the vocational skill rating system, lowest first.
Level = Literal[
    "apprentice",
    "junior",
    "intermediate",
    "senior",
    "technician",
    "senior_technician",
    "special_grade_technician",
    "chief_technician",
]
LEVELS: tuple[str, ...] = get_args(Level)
# The two top grades are assessed by enterprises only (employer self-evaluation): no social
# body assesses them and no competition grants them.
TOP_GRADES: frozenset[str] = frozenset({"special_grade_technician", "chief_technician"})
BodyKind = Literal["enterprise", "social", "competition"]
Outcome = Literal["passed", "failed", "refused"]

BatchId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="Client-chosen idempotency key, unique across all bodies (a UUID is safest).",
    ),
]
BodyId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="The body's organisation id: the `organisation` of its evaluation_body token.",
    ),
]
OccupationCode = Annotated[str, msgspec.Meta(pattern=r"^[1-8](-\d{2}){3}$")]
CertificateNumber = Annotated[
    str,
    msgspec.Meta(
        description="`YYYY-BBBBBB-SSSSSSSS-C`: exam year, body number, serial, ISO 7064 MOD 11-2 "
        "check character (0-9 or X) over the 18 digits.",
        examples=["2026-000001-00000001-8"],
    ),
]
Text = Annotated[str, msgspec.Meta(max_length=2000)]

# -- events -----------------------------------------------------------------------------------


# gc=False (here, IssuedCertificate and CandidateIn): a thousand per batch, holding only
# strings and numbers, so never part of a reference cycle; the collector need not track them.
class AssessedCandidate(msgspec.Struct, frozen=True, kw_only=True, array_like=True, gc=False):
    """One candidate as the bus carries it: already validated, national ID replaced by its hash.

    `array_like` keeps a 1,000-candidate event small (no repeated field names).
    """

    person: str  # hex HMAC-SHA256 of the national ID under the service key
    id_last4: str
    name: str
    occupation_code: str
    level: Level
    theory: float
    practical: float
    review: float | None = None


class AssessmentSubmitted(msgspec.Struct, frozen=True, kw_only=True):
    """A body's batch of assessment results, accepted by the API and waiting to be applied."""

    batch_id: BatchId
    body_id: BodyId
    exam_date: date
    candidates: list[AssessedCandidate]


class IssuedCertificate(msgspec.Struct, frozen=True, kw_only=True, array_like=True, gc=False):
    """Encoded as an array in field order, like AssessedCandidate, to keep events small."""

    number: str
    person: str
    id_last4: str
    name_masked: str
    occupation_code: str
    level: Level
    issued_on: date
    # The grant a competition certificate answers (`origin` grant), so the competition can
    # show its medallists' certificates; None for assessments.
    grant_id: str | None = None


class CertificateIssued(msgspec.Struct, frozen=True, kw_only=True):
    """Certificates issued together (one assessment batch or one grant event), in parts."""

    origin: Literal["assessment", "grant"]
    origin_id: str
    body_id: str
    part: int
    parts: int
    certificates: list[IssuedCertificate]


class CertificateRevoked(msgspec.Struct, frozen=True, kw_only=True):
    """What was revoked, with what the certificate counted as (occupation, level, origin), so
    a read model of counts can take it out without keeping every certificate."""

    number: str
    body_id: str
    reason: str
    revoked_at: datetime
    revoked_by: str
    occupation_code: str | None = None
    level: Level | None = None
    origin: Literal["assessment", "grant"] | None = None


class BodyRegistered(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    body_no: int
    name: str
    kind: BodyKind
    province: str | None = None  # GB/T 2260 code; None for national bodies and competitions


class BodyAuthorised(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    authorisation_id: int
    occupation_code: str
    levels: list[Level]
    valid_from: date
    valid_to: date | None


# -- HTTP bodies --------------------------------------------------------------------------------


class EvaluationBodyCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    body_id: BodyId
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: Literal["enterprise", "social"]
    province: ProvinceCode | None = None  # where the body is registered; None: national


class EvaluationBody(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    body_no: int
    name: str
    kind: str
    province: str | None = None
    authorisations: list[Authorisation] = []


class EvaluationBodyPage(msgspec.Struct, frozen=True, kw_only=True):
    """By body id; pass `next_after` as `after` for the next page."""

    items: list[EvaluationBody]
    next_after: str | None = None


class AuthorisationCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    occupation_code: OccupationCode
    levels: Annotated[list[Level], msgspec.Meta(min_length=1, max_length=8)]
    valid_from: date
    valid_to: date | None = None


class Authorisation(msgspec.Struct, frozen=True, kw_only=True):
    authorisation_id: int
    occupation_code: str
    levels: list[str]
    valid_from: date
    valid_to: date | None


class CandidateIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """Types are loose on purpose: the API checks every candidate and reports every problem."""

    national_id: str
    name: str
    occupation_code: str
    level: str
    theory: float | None = None
    practical: float | None = None
    review: float | None = None


class AssessmentBatchCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    batch_id: BatchId
    body_id: BodyId
    exam_date: date
    candidates: list[CandidateIn]


class AssessmentBatchAccepted(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: str
    status: Literal["submitted"]
    status_url: str


class CandidateOutcome(msgspec.Struct, frozen=True, kw_only=True):
    index: int
    name: str
    id_last4: str
    occupation_code: str
    level: str
    outcome: Outcome
    reason: str | None
    certificate_number: str | None


class AssessmentBatchSummary(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: str
    body_id: str
    exam_date: date
    applied_at: datetime
    candidates: int
    passed: int
    failed: int
    refused: int
    status_url: str


class AssessmentBatchPage(msgspec.Struct, frozen=True, kw_only=True):
    """Newest first; pass `next_after` as `after` for the next page."""

    items: list[AssessmentBatchSummary]
    next_after: str | None = None


class AssessmentBatch(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: str
    body_id: str
    exam_date: date
    status: Literal["applied"]
    applied_at: datetime
    candidates: int
    passed: int
    failed: int
    refused: int
    outcomes: list[CandidateOutcome]
    next_after: int | None = None


class RevocationCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class IssuingBody(msgspec.Struct, frozen=True, kw_only=True):
    body_id: str
    name: str
    kind: str


class CertificateVerification(msgspec.Struct, frozen=True, kw_only=True):
    """What anyone may learn about a certificate: never the national ID, never the full name."""

    number: str
    status: Literal["valid", "revoked"]
    holder: str
    occupation_code: str
    occupation_name: str | None
    level: str
    issued_on: date
    issuing_body: IssuingBody
    revoked_on: date | None = None
    revocation_reason: str | None = None


class VerifyItem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    number: Annotated[str, msgspec.Meta(max_length=40)]
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class VerifyRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    items: list[VerifyItem]


class VerifyResult(msgspec.Struct, frozen=True, kw_only=True):
    number: str
    status: Literal["valid", "revoked", "not_found", "malformed"]
    certificate: CertificateVerification | None = None


class VerifyResponse(msgspec.Struct, frozen=True, kw_only=True):
    results: list[VerifyResult]


class RatingsHistoryRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    national_id: Annotated[str, msgspec.Meta(max_length=40)]


class RatingRecord(msgspec.Struct, frozen=True, kw_only=True):
    number: str
    status: Literal["valid", "revoked"]
    name: str
    id_last4: str
    occupation_code: str
    occupation_name: str | None
    level: str
    issued_on: date
    issuing_body: IssuingBody
    origin: str
    origin_id: str


class RatingsHistory(msgspec.Struct, frozen=True, kw_only=True):
    id_last4: str
    ratings: list[RatingRecord]
