"""Input no service can store is refused at the edge with a problem naming the field: never 500,
never accepted and lost later."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client
from .test_competitions_results import line, publish, setup, skill

DEEP = b'{"body_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def field_of(response: Any) -> str:
    return str(response.json()["errors"][0]["field"])


@pytest.mark.parametrize(
    "url",
    [
        "/occupations?q=a%00b",
        "/occupations?after=4-04%00",
        "/members/C%00N/history",
        "/competitions/WSC%002024/submissions",
        "/skills/history?name=CNC%00",
        "/evaluation-bodies/x%00y",
    ],
)
async def test_nul_in_a_path_or_query_parameter_is_a_400_naming_it(
    client: Client, url: str
) -> None:
    response = await client.get(url)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "NUL" in response.json()["errors"][0]["message"]


async def test_nul_in_a_body_name_or_value_is_a_400_naming_the_field(client: Client) -> None:
    ministry = await client.token("ministry", "mohrss")
    body = {"body_id": "nul-school", "name": "School\x00", "kind": "social"}
    response = await client.post("/evaluation-bodies", json=body, headers=ministry)
    assert response.status_code == 400
    assert field_of(response) == "name" and response.json()["errors"][0]["source"] == "body"
    body = {"body_id": "nul-school", "name": "School", "kind": "social", "x\x00": 1}
    response = await client.post("/evaluation-bodies", json=body, headers=ministry)
    assert response.status_code == 400 and "NUL" in response.text
    lone = b'{"body_id": "nul-school", "name": "School \\ud800", "kind": "social"}'
    response = await client.post(
        "/evaluation-bodies", content=lone, headers=ministry | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and field_of(response) == "name"
    assert "surrogate" in response.json()["errors"][0]["message"]


async def test_a_candidate_name_with_nul_is_refused_not_accepted_and_lost(client: Client) -> None:
    organiser = await setup(client)
    lines = [line("CN", 720.0, competitors=[{"name": "Demo\x00Competitor"}])]
    response = await publish(client, organiser, [skill("07", 1, *lines)])
    assert response.status_code == 400
    assert field_of(response) == "skills[0].results[0].competitors[0].name"


@pytest.mark.parametrize(
    "path", ["/evaluation-bodies", "/certificates/verify", "/competitions", "/releases"]
)
async def test_invalid_utf8_and_absurd_nesting_are_400(client: Client, path: str) -> None:
    admin = await client.token("admin", "ops")
    for body, expected in ((b'{"name": "\xff"}', "UTF-8"), (DEEP, "nested deeper")):
        response = await client.post(
            path, content=body, headers=admin | {"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert expected in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/releases?after=9223372036854775808",
        "/dead-letters/occupations?after=9223372036854775808",
        "/competitions/WSC2024/submissions?after=9223372036854775808",
        "/competitions/WSC2024/skills/07/results?revision=2147483648",
        "/members?after=not-a-code",
        "/evaluation-bodies?after=a%20b",
        "/assessment-batches?after=yesterday",
    ],
)
async def test_integers_past_their_column_and_bad_cursors_are_400(client: Client, url: str) -> None:
    admin = await client.token("admin", "ops")
    response = await client.get(url, headers=admin)
    assert response.status_code == 400, response.text


async def test_numbers_past_their_column_in_bodies_are_400(client: Client) -> None:
    organiser = await setup(client)
    ministry = await client.token("ministry", "mohrss")
    competition = {
        "code": "BIG2024", "name": "Big edition (invented)", "kind": "national",
        "organiser": "x", "edition": 2**31, "starts_on": "2024-01-01", "ends_on": "2024-01-02",
    }  # fmt: skip
    response = await client.post("/competitions", json=competition, headers=ministry)
    assert response.status_code == 400 and field_of(response) == "edition"
    for extra, field in (({"position": 2**40}, "position"), ({}, "revision")):
        revision = 2**31 if field == "revision" else 1
        results = skill("07", revision, line("CN", 720.0, **extra))
        response = await publish(client, organiser, [results])
        assert response.status_code == 400, response.text
        assert field in field_of(response)
