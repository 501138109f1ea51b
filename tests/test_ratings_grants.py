"""Ratings granted by competition results, and our copy of the occupation codes."""

from __future__ import annotations

from datetime import date

import msgspec
from nats.errors import TimeoutError as NatsTimeout

from schemas.envelope import Event, new_event_id
from schemas.grants import (
    RATINGS_GRANTED,
    RATINGS_WITHDRAWN,
    GrantedRating,
    RatingsGranted,
    RatingsWithdrawn,
    WithdrawnGrant,
)
from schemas.ratings import CERTIFICATE_REVOKED, CertificateRevoked
from services.platform.national_ids import person_ref
from services.platform.settings import Settings

from .conftest import Client
from .harness import eventually
from .test_ratings_helpers import CODE, RETIRED_CODE, World, national_id, publish_codes


def grant(n: int, **changes: object) -> GrantedRating:
    """A grant as the competitions service sends it: the ID as its keyed hash and last four."""
    values: dict[str, object] = {
        "grant_id": f"NSC2026-DEMO:07:{n}",
        "person": person_ref(national_id(n), Settings().id_hash_key.encode()),
        "id_last4": national_id(n)[-4:],
        "name": "测试选手王五",
        "occupation_code": CODE,
        "level": "technician",
        "competition_code": "NSC2026-DEMO",
        "skill_number": "07",
        "medal": "GOLD",
        "awarded_on": date(2026, 9, 20),
    }
    return GrantedRating(**(values | changes))  # type: ignore[arg-type]


async def publish_grants(client: Client, revision: int, grants: list[GrantedRating]) -> None:
    await client.runtime.bus.publish(
        Event(
            id=new_event_id(),
            source="/tests",
            type=RATINGS_GRANTED,
            data=RatingsGranted(
                competition_code="NSC2026-DEMO",
                policy_id="demo-policy",
                result_revision=revision,
                grants=grants,
            ),
        )
    )


async def test_grants_issue_certificates_once_per_grant(client: Client) -> None:
    world = await World(client).build()
    pool = client.runtime.pool
    await publish_grants(
        client,
        1,
        [
            grant(1),
            grant(2, person="not-a-keyed-hash"),
            grant(3, occupation_code=RETIRED_CODE),
            grant(4, level="chief_technician"),
        ],
    )
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.grant_outcome"), until=lambda n: n == 4
    )
    # The results were revised: the event repeats with a higher revision and one more grant.
    await publish_grants(client, 2, [grant(1, medal="SILVER"), grant(5)])
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.grant_outcome"), until=lambda n: n == 5
    )
    rows = await pool.fetch(
        "SELECT grant_id, outcome, reason FROM ratings.grant_outcome ORDER BY grant_id"
    )
    outcomes = {r["grant_id"].rsplit(":", 1)[1]: (r["outcome"], r["reason"]) for r in rows}
    assert outcomes["1"] == ("passed", None) and outcomes["5"] == ("passed", None)
    assert "not a person reference" in outcomes["2"][1]
    assert "retired" in outcomes["3"][1]
    assert "enterprise" in outcomes["4"][1]
    assert await world.count("certificate") == 2

    history = await client.post(
        "/people/ratings-history", json={"national_id": national_id(1)}, headers=world.ministry
    )
    [rating] = history.json()["ratings"]
    assert rating["origin"] == "grant" and rating["level"] == "technician"
    assert rating["issuing_body"] == {
        "body_id": "competition:NSC2026-DEMO",
        "name": "Competition NSC2026-DEMO",
        "kind": "competition",
    }
    shown = await client.get(f"/certificates/{rating['number']}")
    assert shown.json()["status"] == "valid" and shown.json()["holder"] == "测****五"


REMOVED = "gold medal in skill 07 removed by result revision 2"


def withdrawal(grant_ids: list[str]) -> Event[RatingsWithdrawn]:
    return Event(
        id=new_event_id(),
        source="/tests",
        type=RATINGS_WITHDRAWN,
        actor="organiser:nsc-demo",
        data=RatingsWithdrawn(
            competition_code="NSC2026-DEMO",
            result_revision=2,
            withdrawals=[WithdrawnGrant(grant_id=g, reason=REMOVED) for g in grant_ids],
        ),
    )


async def handled(client: Client, event_ids: list[str]) -> None:
    await eventually(
        lambda: client.runtime.pool.fetchval(
            "SELECT count(*) FROM ratings.inbox WHERE consumer = 'ratings-grants'"
            " AND event_id = any($1::text[])",
            event_ids,
        ),
        until=lambda n: n == len(event_ids),
    )


async def revocations(client: Client) -> list[str]:
    """The certificate numbers of every certificate.revoked event, once the outbox is relayed."""
    pool, bus = client.runtime.pool, client.runtime.bus
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.outbox WHERE published_at IS NULL"),
        until=lambda n: n == 0,
    )
    sub = await bus.js.subscribe(bus.subject(CERTIFICATE_REVOKED), ordered_consumer=True)
    found: list[str] = []
    try:
        while True:
            msg = await sub.next_msg(timeout=0.5)
            found.append(msgspec.json.decode(msg.data, type=Event[CertificateRevoked]).data.number)
    except (NatsTimeout, TimeoutError):
        pass
    finally:
        await sub.unsubscribe()
    return found


async def test_a_withdrawal_revokes_once_and_one_ahead_of_its_grant_issues_nothing(
    client: Client,
) -> None:
    world = await World(client).build()
    pool = client.runtime.pool
    # The withdrawal of grant 1 arrives before grant 1 itself.
    early = withdrawal([grant(1).grant_id])
    await client.runtime.bus.publish(early)
    await publish_grants(client, 1, [grant(1), grant(2), grant(3, occupation_code=RETIRED_CODE)])
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.grant_outcome"), until=lambda n: n == 3
    )
    assert await world.count("certificate") == 1
    issued = await pool.fetchval("SELECT number FROM ratings.certificate")
    assert (await client.get(f"/certificates/{issued}")).json()["status"] == "valid"

    # Grant 2 (issued) and grant 3 (refused) are withdrawn; the event is delivered twice.
    late = [withdrawal([grant(2).grant_id, grant(3).grant_id]) for _ in range(2)]
    for event in late:
        await client.runtime.bus.publish(event)
    await handled(client, [early.id] + [e.id for e in late])
    shown = (await client.get(f"/certificates/{issued}")).json()
    assert shown["status"] == "revoked"
    assert shown["revocation_reason"] == REMOVED
    assert await revocations(client) == [issued]
    rows = await pool.fetch(
        "SELECT grant_id, outcome, withdrawal_reason IS NOT NULL AS withdrawn"
        " FROM ratings.grant_outcome ORDER BY grant_id"
    )
    assert [(r["grant_id"][-1], r["outcome"], r["withdrawn"]) for r in rows] == [
        ("1", "withdrawn", True),
        ("2", "passed", True),
        ("3", "refused", True),
    ]
    assert await world.count("certificate") == 1


async def test_occupation_codes_keep_the_highest_revision(client: Client) -> None:
    code = "4-99-02-01"
    await publish_codes(client, [(code, "retired")], 20_005)
    # An older revision arriving later changes nothing.
    await publish_codes(client, [(code, "active"), ("4-99-02-02", "active")], 20_001, wait=False)
    pool = client.runtime.pool
    await eventually(
        lambda: pool.fetchval("SELECT count(*) FROM ratings.occupation WHERE code = '4-99-02-02'")
    )
    rows = await pool.fetch(
        "SELECT code, status, revision FROM ratings.occupation WHERE code LIKE '4-99-02-%'"
        " ORDER BY code"
    )
    assert [tuple(r) for r in rows] == [
        (code, "retired", 20_005),
        ("4-99-02-02", "active", 20_001),
    ]
