"""Ratings granted (and withdrawn) by competition results."""

from __future__ import annotations

import re

from schemas.envelope import Event
from schemas.grants import GrantedRating, RatingsGranted, RatingsWithdrawn
from schemas.ratings import (
    TOP_GRADES,
    IssuedCertificate,
)
from services.platform.db import Connection
from services.platform.outbox import Outbox

from .. import store
from ..domain import (
    RANK,
)
from ..store import CertificateRow
from . import today
from .bodies import announce_body
from .certificates import announce_issued, certificate_of, new_numbers, revoke_certificates

_PERSON = re.compile(r"^[0-9a-f]{64}$")


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
    handled = await store.handled_grants(conn, [g.grant_id for g in granted.grants])
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
        allocated = await new_numbers(conn, body["body_no"], year, len(ids), event.id)
        numbers |= dict(zip(ids, allocated, strict=True))
    recorded = await store.insert_grant_outcomes(
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
        row, certificate = certificate_of(
            numbers[gid], g, body_id, "grant", gid, g.awarded_on, issued_on, grant_id=gid
        )
        rows.append(row)
        issued.append(certificate)
    await store.copy_certificates(conn, rows)
    origin_id = f"{granted.competition_code}:r{granted.result_revision}"
    await announce_issued(conn, outbox, "grant", origin_id, body_id, issued, event)


async def apply_withdrawals(
    conn: Connection, event: Event[RatingsWithdrawn], outbox: Outbox
) -> None:
    """Revoke the certificate each withdrawn grant issued; a grant not here yet is recorded as
    withdrawn, so it issues nothing when it arrives. Refused or revoked ones stay as they are."""
    withdrawn = event.data
    reasons = {w.grant_id: w.reason for w in withdrawn.withdrawals}
    # First: it waits for a grant being applied side by side, which the update then sees.
    await store.withdraw_unseen_grants(
        conn, withdrawn.competition_code, withdrawn.result_revision, reasons
    )
    marked = await store.withdraw_grant_outcomes(conn, reasons)
    certificates = {
        r["certificate_no"]: reasons[r["grant_id"]] for r in marked if r["certificate_no"]
    }
    actor = event.actor if event.actor != "system" else "system:competitions"
    await revoke_certificates(conn, outbox, certificates, actor)
