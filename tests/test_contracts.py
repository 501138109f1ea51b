"""Event contracts (AsyncAPI + JSON Schema) and the OpenAPI document, as integrators read them."""

from __future__ import annotations

import gzip
import importlib
import json
import pkgutil
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

import schemas
from schemas.envelope import Event, new_event_id
from schemas.events import EVENTS
from schemas.export import CONTRACTS_DIR, write
from schemas.occupations import RELEASE_PUBLISHED, OccupationItem, ReleasePublished
from services.competitions import demo
from services.competitions.handlers import results_event
from services.event_contracts import service_receivers
from services.occupations.baseline import read_baseline, release_event
from services.platform.settings import Settings
from services.registry import ALL

from .conftest import Client

ASYNCAPI_SCHEMA = Path(__file__).parent / "contracts" / "asyncapi-3.0.0.schema.json.gz"


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.json"))
    }


def test_committed_contracts_match_the_types(tmp_path: Path) -> None:
    write(tmp_path, service_receivers())
    fresh, committed = _files(tmp_path), _files(CONTRACTS_DIR)
    assert sorted(fresh) == sorted(committed), "contracts drifted: run `make contracts`"
    for name, text in fresh.items():
        assert committed[name] == text, f"{name} drifted from schemas/: run `make contracts`"


def test_asyncapi_document_is_valid_asyncapi_3() -> None:
    schema = json.loads(gzip.decompress(ASYNCAPI_SCHEMA.read_bytes()))
    document = json.loads((CONTRACTS_DIR / "asyncapi.json").read_text(encoding="utf-8"))
    errors = [e.message[:200] for e in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == {*EVENTS, "skills.deadletter.{context}.{consumer}"}
    actions = {(op["channel"]["$ref"], op["action"]) for op in document["operations"].values()}
    assert (f"#/channels/{RELEASE_PUBLISHED}", "send") in actions
    assert (f"#/channels/{RELEASE_PUBLISHED}", "receive") in actions


def test_every_consumed_event_type_is_catalogued_with_its_payload() -> None:
    for service in ALL:
        for spec in service.consumers:
            for event_type, route in spec.routes.items():
                assert event_type in EVENTS, f"add {event_type} to schemas/events.py"
                assert EVENTS[event_type].payload is route.payload, event_type


def test_every_subject_named_in_schemas_is_catalogued() -> None:
    named = set()
    for module in pkgutil.iter_modules(schemas.__path__):
        values = vars(importlib.import_module(f"schemas.{module.name}")).values()
        named |= {v for v in values if isinstance(v, str) and v.startswith("skills.")}
    named = {n for n in named if not n.startswith("skills.deadletter.")}
    assert named - set(EVENTS) == set(), "add these to schemas/events.py"


def _release(**changes: Any) -> dict[str, Any]:
    release = ReleasePublished(
        release_id="invented-contract-check",
        title="Invented release for a contract check",
        published_on=date(2024, 7, 1),
        items=[OccupationItem(code="4-04-05-99", level=4, name_zh="虚构职业（测试）")],
    )
    event = Event(id=new_event_id(), source="/tests", type=RELEASE_PUBLISHED, data=release)
    body: dict[str, Any] = msgspec.to_builtins(event)
    body["data"] |= changes
    return body


def test_event_schema_accepts_real_events_and_names_what_is_wrong() -> None:
    path = CONTRACTS_DIR / "events" / f"{RELEASE_PUBLISHED}.schema.json"
    validator = jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(_release())) == []
    bad = _release(items=[{"code": "4-4-05", "level": 4, "name_zh": "x"}])
    assert [list(e.absolute_path) for e in validator.iter_errors(bad)] == [
        ["data", "items", 0, "code"]
    ]
    wrong_type = _release() | {"type": "skills.occupations.release.retracted"}
    assert [e.validator for e in validator.iter_errors(wrong_type)] == ["const"]


def _validator(event_type: str) -> jsonschema.Draft202012Validator:
    path = CONTRACTS_DIR / "events" / f"{event_type}.schema.json"
    return jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def test_events_the_services_publish_match_the_published_schemas() -> None:
    baseline, _ = read_baseline(Settings().baseline_csv)
    events = [
        release_event(baseline, actor="system:test", source="/tests"),
        results_event(
            demo.CODE, demo.results(), actor="system:demo", event_id="demo", source="/tests"
        ),
    ]
    for event in events:
        body = json.loads(msgspec.json.encode(event))
        errors = [
            (list(e.absolute_path), e.message[:120])
            for e in _validator(event.type).iter_errors(body)
        ]
        assert errors == [], event.type


async def test_asyncapi_is_served_as_committed_and_rendered(client: Client) -> None:
    served = await client.get("/asyncapi.json")
    assert served.status_code == 200
    committed = json.loads((CONTRACTS_DIR / "asyncapi.json").read_text(encoding="utf-8"))
    assert served.json() == committed
    page = await client.get("/docs/events")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for address in [*EVENTS, "skills.deadletter.{context}.{consumer}"]:
        assert f"<code>{address}</code>" in page.text
    assert "data.items[].code" in page.text and "Nats-Msg-Id" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from outside


@pytest.fixture
async def openapi(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_operation_documents_its_problem_details(openapi: dict[str, Any]) -> None:
    gaps = []
    for name, op in _operations(openapi):
        takes_input = bool(op.get("parameters") or op.get("requestBody"))
        errors = {code: r for code, r in op["responses"].items() if code[0] in "45"}
        if takes_input and not any(code.startswith("4") for code in errors):
            gaps.append(f"{name}: no 4xx response")
        for code, response in errors.items():
            media = response.get("content", {}).get("application/problem+json")
            if media is None:
                gaps.append(f"{name} {code}: not application/problem+json")
            elif not media.get("examples"):
                gaps.append(f"{name} {code}: no example")
    assert gaps == [], "use services.platform.openapi.problem_responses(...)"


def test_every_request_body_has_an_example(openapi: dict[str, Any]) -> None:
    schemas = openapi.get("components", {}).get("schemas", {})
    gaps = []
    for name, op in _operations(openapi):
        for media in op.get("requestBody", {}).get("content", {}).values():
            schema = media.get("schema", {})
            target = schemas.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
            if not (media.get("examples") or media.get("example") or target.get("examples")):
                gaps.append(name)
    assert gaps == [], "give the body an example: Body(examples=[Example(value=...)])"


async def test_documented_problem_is_what_the_api_returns(
    client: Client, openapi: dict[str, Any]
) -> None:
    op = openapi["paths"]["/occupations"]["get"]
    schema = op["responses"]["400"]["content"]["application/problem+json"]["schema"]
    resolver_doc = {**schema, "components": openapi["components"]}
    response = await client.get("/occupations", params={"level": "five"})
    assert response.status_code == 400
    jsonschema.validate(response.json(), resolver_doc)


def test_platform_operations_show_an_example_response(openapi: dict[str, Any]) -> None:
    """Other contexts add theirs with `services.platform.openapi.example_response(...)`."""
    for path in ("/health/live", "/health/ready", "/asyncapi.json", "/docs/events"):
        (media,) = openapi["paths"][path]["get"]["responses"]["200"]["content"].values()
        assert media.get("examples"), path
