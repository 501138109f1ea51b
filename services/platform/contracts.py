"""The event contracts over HTTP: `/asyncapi.json` and a server-rendered page at `/docs/events`.

Both are the committed AsyncAPI document (`schemas/contracts/asyncapi.json`, written by `make
contracts` and checked against the types by `tests/test_contracts.py`), so what a process
serves is what integrators read, whichever services that process runs.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from typing import Any

from litestar import get
from litestar.enums import MediaType
from litestar.response import Response

from schemas.export import CONTRACTS_DIR, VERSION

from .openapi import example_response

Json = dict[str, Any]


@cache
def asyncapi_document() -> Json:
    document: Json = json.loads(_asyncapi_bytes())
    return document


@cache
def _asyncapi_bytes() -> bytes:
    return (CONTRACTS_DIR / "asyncapi.json").read_bytes()


@get(
    "/asyncapi.json",
    tags=["contracts"],
    summary="AsyncAPI 3.0 document of every event subject",
    description="Channels `skills.<context>.<entity>.<verb>`, their CloudEvents messages, the "
    "operations that send and receive them, and the dead-letter channel.",
    sync_to_thread=False,
    responses=example_response(
        {
            "asyncapi": "3.0.0",
            "info": {"title": "skillsreg events", "version": VERSION},
            "channels": {
                "skills.ratings.certificate.issued": {
                    "address": "skills.ratings.certificate.issued",
                    "messages": {"CertificateIssued": {"$ref": "#/components/messages/…"}},
                }
            },
        }
    ),
)
def asyncapi_json() -> Response[bytes]:
    return Response(_asyncapi_bytes(), media_type=MediaType.JSON)


@get(
    "/docs/events",
    tags=["contracts"],
    summary="Event catalogue as a web page",
    media_type=MediaType.HTML,
    sync_to_thread=False,
    responses=example_response(
        '<!doctype html><html lang="en">…<h1>skillsreg events</h1>…</html>',
        media_type=MediaType.HTML,
    ),
)
def events_page() -> str:
    return _events_html()


ROUTES = [asyncapi_json, events_page]

# -- rendering ------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:72rem;
margin:2rem auto;padding:0 1rem;color:#1f2328}
code{font:13px ui-monospace,monospace;background:#f3f4f6;padding:0 .25rem;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #e5e7eb;text-align:left;padding:.3rem .5rem;vertical-align:top}
th{background:#f9fafb}section{border-top:3px solid #c8102e;margin-top:2rem}
.muted{color:#6b7280}h2 code{font-size:1.15rem}
"""


def _text(markdown: str) -> str:
    """Escaped text with `backticks` shown as code (descriptions come from docstrings)."""
    parts = escape(markdown).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def _type_of(schema: Json) -> str:
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_type_of(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _constraints(schema: Json) -> str:
    keys = ("pattern", "minLength", "maxLength", "minimum", "maximum", "default", "examples")
    parts = [f"{k}: {json.dumps(schema[k], ensure_ascii=False)}" for k in keys if k in schema]
    return "; ".join(parts)


def _field_rows(schema: Json, components: Json, prefix: str, depth: int = 0) -> list[str]:
    """One row per field, nested Structs flattened as `data.items[].code`."""
    rows: list[str] = []
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        note = " ".join(x for x in (prop.get("description", ""), _constraints(prop)) if x)
        rows.append(
            f"<tr><td><code>{escape(path)}</code></td><td>{escape(_type_of(prop))}</td>"
            f"<td>{'yes' if name in required else ''}</td><td>{_text(note)}</td></tr>"
        )
        nested, suffix = prop, "."
        if prop.get("type") == "array":
            nested, suffix = prop.get("items", {}), "[]."
        for option in nested.get("anyOf", [nested]):
            if "$ref" in option and depth < 4:
                target = components.get(_ref_name(option["$ref"]), {})
                rows += _field_rows(target, components, f"{path}{suffix}", depth + 1)
    return rows


def _table(rows: list[str]) -> str:
    head = "<tr><th>Field</th><th>Type</th><th>Required</th><th>Notes</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _operations_of(document: Json, channel_id: str) -> list[str]:
    items = []
    for op_id, op in document["operations"].items():
        if op["channel"]["$ref"] == f"#/channels/{channel_id}":
            items.append(
                f"<li><strong>{escape(op['action'])}</strong> <code>{escape(op_id)}</code>: "
                f"{_text(op.get('summary', ''))}</li>"
            )
    return items


@cache
def _events_html() -> str:
    document = asyncapi_document()
    components = document["components"]
    schemas, messages = components["schemas"], components["messages"]
    toc, sections = [], []
    for channel_id, channel in document["channels"].items():
        anchor = escape(channel_id.replace(".", "-"))
        toc.append(f'<li><a href="#{anchor}"><code>{escape(channel["address"])}</code></a></li>')
        body = [
            f'<section id="{anchor}"><h2><code>{escape(channel["address"])}</code></h2>',
            f"<p>{_text(channel.get('summary', ''))}</p>",
            f'<p class="muted">{_text(channel.get("description", ""))}</p>',
            f"<h3>Operations</h3><ul>{''.join(_operations_of(document, channel_id))}</ul>",
        ]
        for ref in channel["messages"].values():
            message = messages[_ref_name(ref["$ref"])]
            headers = schemas[_ref_name(message["headers"]["$ref"])]
            body.append(f"<h3>Message <code>{escape(message['name'])}</code></h3>")
            body.append(f"<p>Content type <code>{escape(message['contentType'])}</code>.</p>")
            body.append("<h4>Headers</h4>" + _table(_field_rows(headers, schemas, "")))
            payload = message["payload"]
            if "$ref" in payload:
                envelope = schemas[_ref_name(payload["$ref"])]
                body.append("<h4>Payload</h4>" + _table(_field_rows(envelope, schemas, "")))
            else:
                body.append(f"<h4>Payload</h4><p>{_text(payload.get('description', ''))}</p>")
        body.append("</section>")
        sections.append("".join(body))
    info = document["info"]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(info['title'])}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(info['title'])}</h1><p>{_text(info['description'])}</p>"
        '<p>Machine-readable: <a href="/asyncapi.json">AsyncAPI 3.0 document</a>; a JSON '
        "Schema per event ships in <code>schemas/contracts/events/</code>.</p>"
        f"<h2>Channels</h2><ul>{''.join(toc)}</ul>{''.join(sections)}</body></html>"
    )
