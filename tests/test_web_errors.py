"""Errors on the public pages are pages: localized, with the status, a sentence and a way back;
never JSON and never the API's internal URLs."""

from __future__ import annotations

import pytest

from .conftest import Client
from .test_competitions_reads import fixture_competition


@pytest.mark.parametrize(
    ("path", "params", "status", "sentence"),
    [
        ("/zh/nope", {}, 404, "没有找到这个页面或这条记录。"),
        ("/en/nope/deeper/still", {}, 404, "There is no such page or record here."),
        ("/zh/competitions/WSCT2024/skills/07/extra", {}, 404, "没有找到这个页面或这条记录。"),
        ("/zh/competitions/WSCT2024", {"rank_by": "bogus"}, 400, "参数“rank_by”的值无效。"),
        ("/en/members/CN", {"since": "1"}, 400, "The value given for “since” is not valid."),
        ("/en/occupations", {"level": "12"}, 400, "The value given for “level” is not valid."),
        ("/zh/competitions/NOPE2000", {}, 404, "没有找到这个页面或这条记录。"),
    ],
)
async def test_errors_are_localized_pages(
    client: Client, path: str, params: dict[str, str], status: int, sentence: str
) -> None:
    await fixture_competition(client)
    response = await client.get(path, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    body = response.text
    assert sentence in body and f">{status}<" not in body  # status shown in a sentence
    assert f": {status}</p>" in body and 'id="way-back"' in body
    lang = path.split("/")[1]
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in body
    for leak in ("Validation failed", "skillsreg.internal", '"status"', "/medal-table", "{"):
        assert leak not in body, leak


async def test_posting_to_a_page_is_refused_with_a_page(client: Client) -> None:
    response = await client.post("/en/occupations")
    assert response.status_code == 405
    assert "This page can only be viewed." in response.text
    api = await client.get("/competitions/NOPE2000")  # the API keeps its problem documents
    assert api.headers["content-type"] == "application/problem+json"
