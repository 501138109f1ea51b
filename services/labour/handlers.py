"""Use cases of the labour context: publish catalogues, pay and packages (a typed command
each, submitted by the API, the demo loader or anyone with a token), apply them from the bus,
and keep our copies of the classification, evaluation bodies and certificate counts."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from schemas.envelope import Event, new_event_id
from schemas.labour import (
    CATALOGUE_PUBLISHED,
    PACKAGE_PUBLISHED,
    PAY_PUBLISHED,
    CataloguePublished,
    PackagePublished,
    PayPublished,
    PublicationKind,
)
from schemas.occupations import CatalogueChanged
from schemas.ratings import BodyAuthorised, BodyRegistered, CertificateIssued, CertificateRevoked
from services.platform.bus import Bus
from services.platform.consumer import Rejected
from services.platform.db import Connection, Pool
from services.platform.outbox import Outbox

from . import store
from .domain.publications import (
    Issue,
    check_catalogue,
    check_package,
    check_pay,
    codes_of,
    describe,
    out_of_scope,
    revision_problem,
)

P = TypeVar("P", CataloguePublished, PayPublished, PackagePublished)
Conn = Connection | Pool


# -- commands ---------------------------------------------------------------------------------


class Publisher(msgspec.Struct, frozen=True, kw_only=True):
    """Who publishes: the actor recorded on the event, and the one region a provincial
    department may publish for (None: the ministry, every region)."""

    actor: str
    region: str | None = None
    source: str = "/labour"


class PublishCatalogue(msgspec.Struct, frozen=True, kw_only=True):
    catalogue: CataloguePublished
    publisher: Publisher


class PublishPay(msgspec.Struct, frozen=True, kw_only=True):
    pay: PayPublished
    publisher: Publisher


class PublishPackage(msgspec.Struct, frozen=True, kw_only=True):
    package: PackagePublished
    publisher: Publisher


class Submitted(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: str
    what: PublicationKind
    key: str
    revision: int
    already_applied: bool = False


class OutOfScope(Exception):
    """The publisher may not publish for this region."""


class PublicationConflict(Exception):
    """The key and revision are taken by other content, or a newer revision is applied."""


class PublicationInvalid(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(describe(issues))
        self.issues = issues


# -- what differs between the three publications ----------------------------------------------


async def _check_catalogue(conn: Conn, catalogue: CataloguePublished) -> list[Issue]:
    return check_catalogue(catalogue, await store.occupations(conn, codes_of(catalogue)))


async def _check_pay(conn: Conn, pay: PayPublished) -> list[Issue]:
    return check_pay(pay, await store.occupations(conn, codes_of(pay)))


async def _check_package(conn: Conn, package: PackagePublished) -> list[Issue]:
    known = await store.occupations(conn, codes_of(package))
    bodies = await store.bodies(conn, [b.body_id for b in package.evaluation_bodies])
    return check_package(package, known, bodies)


@dataclass(frozen=True)
class Kind(Generic[P]):
    what: PublicationKind
    event_type: str
    check: Callable[[Conn, P], Awaitable[list[Issue]]]
    write: Callable[[Conn, P], Awaitable[None]]
    path: str  # where the applied publication is read, by its key

    def resource(self, key: str) -> str:
        return f"{self.path}/{key}"


CATALOGUE: Kind[CataloguePublished] = Kind(
    "catalogue",
    CATALOGUE_PUBLISHED,
    _check_catalogue,
    store.replace_catalogue,
    "/labour/catalogues",
)
PAY: Kind[PayPublished] = Kind("pay", PAY_PUBLISHED, _check_pay, store.replace_pay, "/labour/pay")
PACKAGE: Kind[PackagePublished] = Kind(
    "package", PACKAGE_PUBLISHED, _check_package, store.replace_package, "/labour/packages"
)
KINDS: dict[str, Kind[Any]] = {k.what: k for k in (CATALOGUE, PAY, PACKAGE)}


def content_hash(publication: Any) -> str:
    return hashlib.sha256(msgspec.json.encode(publication)).hexdigest()


def status_url(submission_id: str) -> str:
    return f"/labour/submissions/{submission_id}"


# -- submitting -------------------------------------------------------------------------------


async def publish_catalogue(command: PublishCatalogue, *, pool: Pool, bus: Bus) -> Submitted:
    return await _submit(CATALOGUE, command.catalogue, command.publisher, pool, bus)


async def publish_pay(command: PublishPay, *, pool: Pool, bus: Bus) -> Submitted:
    return await _submit(PAY, command.pay, command.publisher, pool, bus)


async def publish_package(command: PublishPackage, *, pool: Pool, bus: Bus) -> Submitted:
    return await _submit(PACKAGE, command.package, command.publisher, pool, bus)


async def _submit(
    kind: Kind[P], publication: P, publisher: Publisher, pool: Pool, bus: Bus
) -> Submitted:
    """Check the whole publication now (so the caller hears every problem at once), then
    publish it for the consumer to apply; nothing is written but the submission record."""
    region = getattr(publication, "region", None)
    if region is not None and (problem := out_of_scope(region, publisher.region)):
        raise OutOfScope(problem)
    key, revision, digest = publication.key, publication.revision, content_hash(publication)
    done = revision_problem(await store.applied(pool, kind.what, key), revision, digest)
    if done == "same":
        return Submitted(
            submission_id="", what=kind.what, key=key, revision=revision, already_applied=True
        )
    if done is not None:
        raise PublicationConflict(f"{kind.what} {key}: {done}")
    pending = await store.pending_hashes(pool, kind.what, key, revision)
    if any(p["content_hash"] != digest for p in pending):
        raise PublicationConflict(
            f"{kind.what} {key}: other content for revision {revision} is waiting to be "
            "applied; publish yours as the next revision"
        )
    issues = await kind.check(pool, publication)
    if issues:
        raise PublicationInvalid(issues)
    submission_id = f"{kind.what}:{key}:r{revision}:{digest[:24]}"
    if await store.refused(pool, submission_id):
        # Refused once, valid now (our copies moved on): a new id gets past the inbox.
        submission_id = f"{submission_id}:{new_event_id()}"
    await store.insert_submission(
        pool, submission_id, kind.what, key, revision, digest, publisher.actor
    )
    event = Event(
        id=submission_id,
        source=publisher.source,
        type=kind.event_type,
        subject=key,
        actor=publisher.actor,
        data=publication,
    )
    try:
        await bus.publish(event)
    except BaseException:
        await store.delete_submission(pool, submission_id)
        raise
    return Submitted(submission_id=submission_id, what=kind.what, key=key, revision=revision)


# -- applying (the consumer, one savepoint per event) -----------------------------------------


async def apply_catalogue(
    conn: Connection, event: Event[CataloguePublished], outbox: Outbox
) -> None:
    await _apply(CATALOGUE, conn, event)


async def apply_pay(conn: Connection, event: Event[PayPublished], outbox: Outbox) -> None:
    await _apply(PAY, conn, event)


async def apply_package(conn: Connection, event: Event[PackagePublished], outbox: Outbox) -> None:
    await _apply(PACKAGE, conn, event)


async def _apply(kind: Kind[P], conn: Connection, event: Event[P]) -> None:
    """The same checks as on submission, against the state now: all of it or none."""
    publication = event.data
    key, revision, digest = publication.key, publication.revision, content_hash(publication)
    done = revision_problem(await store.applied(conn, kind.what, key), revision, digest)
    if done == "same":
        return
    if done is not None:
        raise Rejected(f"{kind.what} {key} refused: {done}")
    issues = await kind.check(conn, publication)
    if issues:
        raise Rejected(f"{kind.what} {key} refused: {describe(issues)}")
    document = msgspec.to_builtins(publication)
    if not await store.record_publication(
        conn, kind.what, key, revision, digest, event.id, event.actor, document
    ):
        raise Rejected(f"{kind.what} {key} revision {revision} was applied meanwhile")
    await kind.write(conn, publication)


# -- our copies -------------------------------------------------------------------------------


async def apply_classification(
    conn: Connection, event: Event[CatalogueChanged], outbox: Outbox
) -> None:
    changed = event.data
    rows = [
        {
            "code": c.code,
            "level": c.level,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "status": c.status,
            "change": c.change,
        }
        for c in changed.changes
    ]
    await store.upsert_occupations(conn, changed.release_id, changed.revision, rows)


async def apply_body(conn: Connection, event: Event[BodyRegistered], outbox: Outbox) -> None:
    body = event.data
    await store.upsert_body(conn, body.body_id, body.body_no, body.name, body.kind, body.province)
    await store.bump_statistics(conn)  # its certificates may move to its province


async def apply_authorisation(
    conn: Connection, event: Event[BodyAuthorised], outbox: Outbox
) -> None:
    await store.insert_authorisation(conn, event.data)


async def apply_certificates(
    conn: Connection, event: Event[CertificateIssued], outbox: Outbox
) -> None:
    """Count the certificates by year (of the number), level, occupation, body and origin."""
    issued = event.data
    counts = Counter((int(c.number[:4]), c.level, c.occupation_code) for c in issued.certificates)
    await store.count_certificates(
        conn,
        [
            {
                "year": year,
                "level": level,
                "occupation_code": code,
                "body_id": issued.body_id,
                "origin": issued.origin,
                "issued": n,
                "revoked": 0,
            }
            for (year, level, code), n in sorted(counts.items())
        ],
    )


async def apply_revocation(
    conn: Connection, event: Event[CertificateRevoked], outbox: Outbox
) -> None:
    revoked = event.data
    if revoked.occupation_code is None or revoked.level is None or revoked.origin is None:
        raise Rejected(
            f"revocation of {revoked.number} does not say what the certificate counted as "
            "(occupation, level, origin); it was published before revocations carried them"
        )
    await store.count_certificates(
        conn,
        [
            {
                "year": int(revoked.number[:4]),
                "level": revoked.level,
                "occupation_code": revoked.occupation_code,
                "body_id": revoked.body_id,
                "origin": revoked.origin,
                "issued": 0,
                "revoked": 1,
            }
        ],
    )
