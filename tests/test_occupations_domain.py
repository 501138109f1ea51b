"""Pure rules of releases: no servers needed."""

from __future__ import annotations

from typing import Any

from schemas.occupations import OccupationAmendment
from services.occupations.domain import amend, field_changes, net_changes

PROGRAMMER: dict[str, Any] = {
    "code": "4-04-05-01",
    "level": 4,
    "parent_code": "4-04-05-00",
    "name_zh": "计算机程序设计员",
    "name_en": None,
    "definition": "",
    "tasks": [],
    "aliases": [],
    "tags": ["digital"],
    "work_types": [],
    "status": "active",
}


def test_amendment_changes_only_the_fields_it_names() -> None:
    after = amend(PROGRAMMER, OccupationAmendment(code="4-04-05-01", tags=["green", "digital"]))
    assert after["tags"] == ["digital", "green"]
    assert field_changes(PROGRAMMER, after) == [("tags", ["digital"], ["digital", "green"])]


def test_net_changes_over_several_releases() -> None:
    renamed = PROGRAMMER | {"name_en": "Programmer"}
    rows = [
        {
            "code": "4-04-05-01",
            "change": "amended",
            "release_id": "r1",
            "before": PROGRAMMER,
            "after": renamed,
        },
        {
            "code": "4-04-05-01",
            "change": "amended",
            "release_id": "r2",
            "before": renamed,
            "after": PROGRAMMER,
        },
        {
            "code": "4-04-05-90",
            "change": "added",
            "release_id": "r1",
            "before": None,
            "after": PROGRAMMER | {"code": "4-04-05-90"},
        },
        {
            "code": "4-04-05-90",
            "change": "retired",
            "release_id": "r2",
            "before": PROGRAMMER | {"code": "4-04-05-90"},
            "after": PROGRAMMER | {"code": "4-04-05-90", "status": "retired"},
        },
    ]
    net = list(net_changes(rows))
    assert [(kind, code, last) for kind, code, last, _, _ in net] == [
        ("added", "4-04-05-90", "r2")  # amended and amended back: no net change
    ]
    assert ("status", None, "retired") in net[0][4]
