"""Limits every write endpoint shares: body size, content type, authentication."""

from __future__ import annotations

from .conftest import Client


async def test_body_over_the_request_limit_is_a_413_problem(client: Client) -> None:
    limit = client.runtime.settings.max_request_bytes
    headers = await client.token("ministry", "mohrss")
    body = b'{"release_id": "' + b"x" * (limit + 1) + b'"}'
    response = await client.post(
        "/releases", content=body, headers=headers | {"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "Request body too large"
    releases = await client.runtime.pool.fetchval("SELECT count(*) FROM occupations.release")
    assert releases == 1  # the baseline only


async def test_revoked_or_unknown_tokens_are_401_with_a_challenge(client: Client) -> None:
    from services.platform.auth import create_token, revoke_token

    token_id, token = await create_token(client.runtime.pool, "ministry", "mohrss", "t")
    assert await revoke_token(client.runtime.pool, token_id)
    for auth in (f"Bearer {token}", "Bearer srk_unknown", "Basic abc"):
        response = await client.post("/releases", json={}, headers={"Authorization": auth})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["type"] == "/problems/unauthorized"


async def test_callers_without_a_token_hear_401_before_any_body_check(client: Client) -> None:
    for path in ("/releases", "/assessment-batches", "/competitions"):
        response = await client.post(
            path, content=b"{not json", headers={"content-type": "application/json"}
        )
        assert response.status_code == 401, path
        assert response.json()["type"] == "/problems/unauthorized"
