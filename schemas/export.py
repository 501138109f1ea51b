"""JSON Schema per event and one AsyncAPI 3 document (`make contracts` writes them).

Both are generated from the msgspec Structs listed in `schemas/events.py`, never written by
hand, and committed under `schemas/contracts/` so integrators can read them without running
anything; `tests/test_contracts.py` fails when the committed files drift from the types.
Which services receive each event comes in as an argument (`services/event_contracts.py`
reads it from the services), so `schemas/` imports nothing from `services/`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from .envelope import Event
from .events import DEAD_LETTER_ADDRESS, EVENTS, EventContract

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CLOUDEVENTS_JSON = "application/cloudevents+json"
VERSION = "1.0.0"

Json = dict[str, Any]
# event type -> [(service, durable consumer)], from the consumers the services declare
Receivers = Mapping[str, Sequence[tuple[str, str]]]


def _envelope_of(contract: EventContract, components: Json, name: str) -> Json:
    envelope: Json = components[name]
    envelope["title"] = contract.type
    envelope["description"] = f"{contract.summary}\n\n{envelope.get('description', '')}".strip()
    envelope["properties"]["type"] = {"const": contract.type, "description": "the subject"}
    return envelope


def event_schema(contract: EventContract) -> Json:
    """A standalone JSON Schema (2020-12) of the envelope carrying this event's payload."""
    (root,), components = msgspec.json.schema_components(
        [Event[contract.payload]],  # type: ignore[name-defined]
        ref_template="#/$defs/{name}",
    )
    name = root["$ref"].rsplit("/", 1)[1]
    envelope = _envelope_of(contract, components, name)
    del components[name]
    return {"$schema": JSON_SCHEMA_DIALECT, **envelope, "$defs": dict(sorted(components.items()))}


def _message_name(contract: EventContract) -> str:
    return str(contract.payload.__name__)


NATS_HEADERS: Json = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {
            "type": "string",
            "description": "Equals the CloudEvents `id`; JetStream drops a repeat within its "
            "10-minute duplicate window, so a retried publish never lands twice.",
        }
    },
    "required": ["Nats-Msg-Id"],
}

DEAD_LETTER_HEADERS: Json = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {"type": "string", "description": "`dead:<consumer>:<event id>`"},
        "Skillsreg-Dead-Reason": {"type": "string", "description": "why it can never apply"},
        "Skillsreg-Consumer": {"type": "string", "description": "the durable consumer"},
        "Skillsreg-Original-Subject": {"type": "string", "description": "where it was sent"},
        "Skillsreg-Event-Id": {"type": "string", "description": "its id (or stream position)"},
    },
    "required": ["Nats-Msg-Id", "Skillsreg-Dead-Reason", "Skillsreg-Consumer"],
}


def asyncapi(receivers: Receivers) -> Json:
    """The AsyncAPI 3.0 document for every subject, the dead-letter channel included."""
    contracts = list(EVENTS.values())
    roots, schemas = msgspec.json.schema_components(
        [Event[c.payload] for c in contracts],  # type: ignore[name-defined]
        ref_template="#/components/schemas/{name}",
    )
    channels: Json = {}
    operations: Json = {}
    messages: Json = {}
    for contract, root in zip(contracts, roots, strict=True):
        envelope_name = root["$ref"].rsplit("/", 1)[1]
        _envelope_of(contract, schemas, envelope_name)
        message = _message_name(contract)
        messages[message] = {
            "name": message,
            "title": contract.type,
            "summary": contract.summary,
            "contentType": CLOUDEVENTS_JSON,
            "headers": {"$ref": "#/components/schemas/NatsHeaders"},
            "payload": {"$ref": root["$ref"]},
            "correlationId": {"location": "$message.payload#/id"},
        }
        channel = contract.type
        channels[channel] = {
            "address": contract.type,
            "title": contract.type,
            "summary": contract.summary,
            "description": (
                f"Stream `SKILLS_{contract.context.upper()}` holds `skills.{contract.context}.>`."
            ),
            "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        }
        ref = {"$ref": f"#/channels/{channel}"}
        on_channel = [{"$ref": f"#/channels/{channel}/messages/{message}"}]
        how = "through its transactional outbox" if contract.derived else "from its HTTP API"
        operations[f"send.{message}"] = {
            "action": "send",
            "channel": ref,
            "messages": on_channel,
            "summary": f"The {contract.context} service publishes it {how}.",
        }
        for service, consumer in receivers.get(contract.type, ()):
            operations[f"receive.{message}.{consumer}"] = {
                "action": "receive",
                "channel": ref,
                "messages": on_channel,
                "summary": f"Durable pull consumer `{consumer}` of the {service} service; "
                "its replicas share it, apply each batch in one transaction and ack after commit.",
            }
    schemas["NatsHeaders"] = NATS_HEADERS
    schemas["DeadLetterHeaders"] = DEAD_LETTER_HEADERS
    messages["DeadLetter"] = {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A message a consumer can never apply, with the reason; the rest keep flowing.",
        "contentType": CLOUDEVENTS_JSON,
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original message bytes as received (maybe malformed)."},
    }
    channels["deadletter"] = {
        "address": DEAD_LETTER_ADDRESS,
        "title": "Dead letters",
        "summary": "Refused messages, per context and consumer (stream `SKILLS_DEADLETTER`).",
        "parameters": {
            "context": {"description": "the context of the consumer that refused it"},
            "consumer": {"description": "the durable consumer that refused it"},
        },
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
    }
    operations["send.DeadLetter"] = {
        "action": "send",
        "channel": {"$ref": "#/channels/deadletter"},
        "messages": [{"$ref": "#/channels/deadletter/messages/DeadLetter"}],
        "summary": "Every consumer records a refused message and relays it here via its outbox.",
    }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:skillsreg:events",
        "info": {
            "title": "skillsreg events",
            "version": VERSION,
            "description": (
                "Every event skillsreg publishes on NATS JetStream. Each message is a CloudEvents "
                "1.0 structured-mode JSON envelope (plus `actor` and a payload `schema` version) "
                "whose `type` is its subject `skills.<context>.<entity>.<verb>`. External "
                "producers may publish the same envelope straight to the subject, with "
                "`Nats-Msg-Id` set to the event id. Generated from `schemas/` by "
                "`make contracts`."
            ),
        },
        "defaultContentType": CLOUDEVENTS_JSON,
        "servers": {
            "jetstream": {
                "host": "nats:4222",
                "protocol": "nats",
                "description": "3-node JetStream cluster, streams R3, `sync_interval: always`.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": dict(sorted(messages.items())),
        },
    }


def dump(document: Json) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(out: Path, receivers: Receivers) -> list[Path]:
    """Replace `out` with freshly generated files (stale event schemas disappear)."""
    events_dir = out / "events"
    if events_dir.exists():
        shutil.rmtree(events_dir)
    events_dir.mkdir(parents=True)
    written = [out / "asyncapi.json"]
    written[0].write_text(dump(asyncapi(receivers)), encoding="utf-8")
    for contract in EVENTS.values():
        path = events_dir / f"{contract.type}.schema.json"
        path.write_text(dump(event_schema(contract)), encoding="utf-8")
        written.append(path)
    return written
