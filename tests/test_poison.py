"""Poison events, published straight to NATS, against every consumer: each is dead-lettered in a
form that stores, the fetch loop lives on, and the next valid event applies within seconds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest

from schemas.competitions import RESULTS_PUBLISHED
from schemas.grants import RATINGS_GRANTED
from schemas.labour import CATALOGUE_PUBLISHED
from schemas.occupations import CATALOGUE_CHANGED, RELEASE_PUBLISHED
from schemas.ratings import ASSESSMENT_SUBMITTED, BODY_REGISTERED, CERTIFICATE_REVOKED
from services.platform.consumer import ConsumerSpec
from services.registry import ALL

from .conftest import Client
from .harness import eventually
from .test_competitions_results import line, setup, skill

SPECS = {spec.name: spec for service in ALL for spec in service.consumers}
POISONS = ("nul-in-name", "nul-in-value", "deep-nesting", "invalid-utf8", "size-limit")


def envelope(event_id: str, event_type: str, data: Any) -> dict[str, Any]:
    return {"id": event_id, "source": "/tests/poison", "type": event_type, "data": data}


def poison(kind: str, event_type: str, limit: int) -> bytes:
    """One message nothing may choke on; `limit` is the most the server takes."""
    if kind == "nul-in-name":
        return msgspec.json.encode(envelope("poison-1", event_type, {"bad\x00name": 1}))
    if kind == "nul-in-value":
        return msgspec.json.encode(envelope("poison-2", event_type, {"release_id": "a\x00b"}))
    if kind == "deep-nesting":
        head = msgspec.json.encode(envelope("poison-3", event_type, None))[:-5]  # drop `null}`
        return head + b"[" * 200_000 + b"]" * 200_000 + b"}"
    if kind == "invalid-utf8":
        return (
            msgspec.json.encode(envelope("poison-4", event_type, {"name": "x"}))[:-3] + b'\xff"}}'
        )
    body = msgspec.json.encode(envelope("poison-5", event_type, {"padding": ""}))
    return body[:-3] + b"x" * (limit - len(body)) + b'"}}'


async def catalogue_changed(client: Client, code: str) -> dict[str, Any]:
    changes = [{"code": code, "level": 4, "name_zh": "测试职业(demo)", "change": "added"}]
    return {"release_id": "after-poison", "revision": 99, "published_on": "2026-01-01",
            "changes": changes}  # fmt: skip


async def release(client: Client, code: str) -> dict[str, Any]:
    items = [{"code": "4-04-05-93", "level": 4, "name_zh": "测试职业(demo)"}]  # a new one
    return {"release_id": "after-poison", "title": "After poison (invented)",
            "published_on": "2026-01-01", "items": items}  # fmt: skip


async def assessment(client: Client, code: str) -> dict[str, Any]:
    ministry = await client.token("ministry", "mohrss")
    body = {"body_id": "poison-school", "name": "Poison test school (invented)", "kind": "social"}
    assert (await client.post("/evaluation-bodies", json=body, headers=ministry)).is_success
    candidate = ["ab" * 32, "1234", "测试", code, "junior", 80.0, 80.0, None]
    return {"batch_id": "after-poison", "body_id": "poison-school",
            "exam_date": "2026-01-01", "candidates": [candidate]}  # fmt: skip


async def grants(client: Client, code: str) -> dict[str, Any]:
    grant = {"grant_id": "POISON:07:after", "person": "cd" * 32, "id_last4": "5678",
             "name": "测试", "occupation_code": code, "level": "technician",
             "competition_code": "POISON", "skill_number": "07", "medal": "GOLD",
             "awarded_on": "2026-01-01"}  # fmt: skip
    return {"competition_code": "POISON", "policy_id": "POISON:policy-v1", "result_revision": 1,
            "grants": [grant]}  # fmt: skip


async def revocation(client: Client, code: str) -> dict[str, Any]:
    return {"number": "POISON-0001", "body_id": "poison-school", "reason": "test (invented)",
            "revoked_at": "2026-01-01T00:00:00Z", "revoked_by": "mohrss",
            "occupation_code": code, "level": "junior", "origin": "assessment"}  # fmt: skip


async def body(client: Client, code: str) -> dict[str, Any]:
    return {"body_id": "poison-body", "body_no": 9_999, "name": "Poison test body (invented)",
            "kind": "social", "province": "440000"}  # fmt: skip


async def demand(client: Client, code: str) -> dict[str, Any]:
    return {"kind": "shortage", "region": "national", "period": "2026-Q1",
            "title": "Poison test catalogue (invented)", "published_on": "2026-01-01",
            "entries": [{"rank": 1, "occupation_code": code}]}  # fmt: skip


async def results(client: Client, code: str) -> dict[str, Any]:
    await setup(client)
    return {"competition": "WSCT2024", "skills": [skill("07", 1, line("CN", 720.0))]}


VALID: dict[str, tuple[str, Callable[[Client, str], Awaitable[dict[str, Any]]]]] = {
    "occupations-catalogue": (RELEASE_PUBLISHED, release),
    "ratings-occupation-codes": (CATALOGUE_CHANGED, catalogue_changed),
    "ratings-assessments": (ASSESSMENT_SUBMITTED, assessment),
    "ratings-grants": (RATINGS_GRANTED, grants),
    "competitions-results": (RESULTS_PUBLISHED, results),
    "competitions-occupations": (CATALOGUE_CHANGED, catalogue_changed),
    "competitions-certificates": (CERTIFICATE_REVOKED, revocation),
    "labour-occupations": (CATALOGUE_CHANGED, catalogue_changed),
    "labour-publications": (CATALOGUE_PUBLISHED, demand),
    "labour-ratings": (BODY_REGISTERED, body),
}


def test_every_consumer_has_a_valid_event_here() -> None:
    assert set(VALID) == set(SPECS)


async def handled(client: Client, spec: ConsumerSpec, event_id: str) -> bool:
    """In the inbox and not dead-lettered: the event applied."""
    return bool(
        await client.runtime.pool.fetchval(
            f"""SELECT EXISTS (SELECT FROM {spec.schema}.inbox
                WHERE consumer = $1 AND event_id = $2)
            AND NOT EXISTS (SELECT FROM {spec.schema}.dead_letter
                WHERE consumer = $1 AND event_id = $2)""",
            spec.name,
            event_id,
        )
    )


@pytest.mark.parametrize("name", sorted(SPECS))
async def test_poison_events_are_dead_lettered_and_the_next_event_applies(
    client: Client, name: str
) -> None:
    spec, bus, pool = SPECS[name], client.runtime.bus, client.runtime.pool
    event_type, valid = VALID[name]
    data = await valid(client, "4-04-05-01")
    subject = bus.subject(event_type)
    limit = bus.nc.max_payload - 256  # the server counts the headers too
    for n, kind in enumerate(POISONS):
        payload = poison(kind, event_type, limit)
        await bus.js.publish(subject, payload, headers={"Nats-Msg-Id": f"poison-{name}-{n}"})
    good = msgspec.json.encode(envelope("after-poison", event_type, data))
    await bus.js.publish(subject, good, headers={"Nats-Msg-Id": "after-poison"})

    assert await eventually(lambda: handled(client, spec, "after-poison"), timeout=30)
    letters = await eventually(
        lambda: pool.fetch(
            f"SELECT event_id, reason, payload FROM {spec.schema}.dead_letter"
            " WHERE consumer = $1 ORDER BY stream_seq",
            spec.name,
        ),
        until=lambda rows: len(rows) == len(POISONS),
    )
    reasons = dict(zip(POISONS, (r["reason"] for r in letters), strict=True))
    assert "NUL" in reasons["nul-in-name"] and "bad\\x00name" in reasons["nul-in-name"]
    assert "nested deeper than" in reasons["deep-nesting"]
    assert "not valid UTF-8" in reasons["invalid-utf8"]
    assert all("\x00" not in r for r in reasons.values())
    # The whole message is kept, as bytes.
    assert [bytes(r["payload"]) for r in letters][-1].endswith(b'"}}')
    assert len(letters[-1]["payload"]) == limit
    # Every copy reached the dead-letter stream (the largest cut to fit): the relay is not stuck.
    pending = f"SELECT count(*) FROM {spec.schema}.outbox WHERE published_at IS NULL"
    await eventually(lambda: pool.fetchval(pending), until=lambda n: n == 0)
    ready = await eventually(
        lambda: client.get("/health/ready"), until=lambda r: r.status_code == 200
    )
    assert ready.json()["consumers"][name] == "ok"
