"""The event catalogue: every event type skillsreg publishes, with its payload Struct.

`make contracts` (`schemas/export.py`) turns this table into a JSON Schema per event and
one AsyncAPI document; a test fails when a consumer routes an event type missing here. Add a
line when a context gains an event.
"""

from __future__ import annotations

import builtins
from typing import Any

import msgspec

from .competitions import RESULTS_PUBLISHED, ResultsPublished
from .grants import RATINGS_GRANTED, RATINGS_WITHDRAWN, RatingsGranted, RatingsWithdrawn
from .labour import (
    CATALOGUE_PUBLISHED,
    PACKAGE_PUBLISHED,
    PAY_PUBLISHED,
    CataloguePublished,
    PackagePublished,
    PayPublished,
)
from .occupations import (
    CATALOGUE_CHANGED,
    RELEASE_PUBLISHED,
    CatalogueChanged,
    ReleasePublished,
)
from .ratings import (
    ASSESSMENT_SUBMITTED,
    BODY_AUTHORISED,
    BODY_REGISTERED,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    AssessmentSubmitted,
    BodyAuthorised,
    BodyRegistered,
    CertificateIssued,
    CertificateRevoked,
)


class EventContract(msgspec.Struct, frozen=True, kw_only=True):
    """One subject `skills.<context>.<entity>.<verb>` and the payload its `data` carries."""

    type: str
    payload: builtins.type[Any]
    summary: str
    derived: bool = False  # True: emitted through the producer's outbox, not by an HTTP call

    @property
    def context(self) -> str:
        return self.type.split(".")[1]


def _catalogue(*contracts: EventContract) -> dict[str, EventContract]:
    return {c.type: c for c in sorted(contracts, key=lambda c: c.type)}


EVENTS: dict[str, EventContract] = _catalogue(
    EventContract(
        type=RELEASE_PUBLISHED,
        payload=ReleasePublished,
        summary="The ministry published a batch of the occupation list (baseline or new ones).",
    ),
    EventContract(
        type=CATALOGUE_CHANGED,
        payload=CatalogueChanged,
        summary="An applied release changed these occupations; keep the highest revision.",
        derived=True,
    ),
    EventContract(
        type=ASSESSMENT_SUBMITTED,
        payload=AssessmentSubmitted,
        summary="An evaluation body submitted a checked assessment batch (IDs already hashed).",
    ),
    EventContract(
        type=CERTIFICATE_ISSUED,
        payload=CertificateIssued,
        summary="Certificates issued for one batch or one grant event, up to 1,000 per part.",
        derived=True,
    ),
    EventContract(
        type=CERTIFICATE_REVOKED,
        payload=CertificateRevoked,
        summary="The issuing body or the ministry revoked a certificate.",
        derived=True,
    ),
    EventContract(
        type=BODY_REGISTERED,
        payload=BodyRegistered,
        summary="The ministry registered an evaluation body.",
        derived=True,
    ),
    EventContract(
        type=BODY_AUTHORISED,
        payload=BodyAuthorised,
        summary="The ministry authorised a body for an occupation and levels over a period.",
        derived=True,
    ),
    EventContract(
        type=RESULTS_PUBLISHED,
        payload=ResultsPublished,
        summary="An organiser or scoring system published results of skills at a revision.",
    ),
    EventContract(
        type=RATINGS_GRANTED,
        payload=RatingsGranted,
        summary="Competition results earned these ratings; issue each grant exactly once.",
        derived=True,
    ),
    EventContract(
        type=RATINGS_WITHDRAWN,
        payload=RatingsWithdrawn,
        summary="A result revision no longer earns these grants; revoke what they issued.",
        derived=True,
    ),
    EventContract(
        type=CATALOGUE_PUBLISHED,
        payload=CataloguePublished,
        summary="The ministry or a province published a catalogue of in-demand or shortage "
        "occupations for a region and period (a higher revision corrects it).",
    ),
    EventContract(
        type=PAY_PUBLISHED,
        payload=PayPublished,
        summary="Pay of skilled workers for a region and year: percentiles per occupation "
        "and level, and minimum-pay guidance per level.",
    ),
    EventContract(
        type=PACKAGE_PUBLISHED,
        payload=PackagePublished,
        summary="An occupation's standard or evaluation norm, training materials and "
        "selected evaluation bodies.",
    ),
)

DEAD_LETTER_ADDRESS = "skills.deadletter.{context}.{consumer}"
