"""Pure rules of releases: no servers needed."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from schemas.occupations import OccupationAmendment, ReleasePublished
from services.occupations.domain.occupations import amend, content_hash, field_changes, net_changes
from services.occupations.pinyin import pinyin_keys

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


def test_releases_stored_before_new_fields_keep_their_content_hash() -> None:
    """A release in the first format hashes as it did then: fields added later, left unset,
    stay out of the hash (so re-publishing a stored release is still a no-op)."""
    first_format = {
        "release_id": "old-format-2024",
        "title": "Old format (invented)",
        "published_on": "2024-01-02",
        "kind": "new-occupations",
        "items": [
            {
                "code": "4-04-05-90",
                "level": 4,
                "name_zh": "旧格式职业（虚构）",
                "name_en": None,
                "definition": "",
                "tasks": [],
                "aliases": [],
                "tags": [],
                "work_types": ["4-04-05-90-01"],
            }
        ],
        "source_note": "",
        "amendments": [],
        "retirements": [],
    }
    encoded = msgspec.json.encode(first_format)
    release = msgspec.json.decode(encoded, type=ReleasePublished)
    assert content_hash(release) == hashlib.sha256(encoded).hexdigest()
    marked = msgspec.structs.replace(release, supersedes="old-format-2023")
    assert content_hash(marked) != content_hash(release)


def test_pinyin_keys_are_full_then_initials_letters_and_digits_only() -> None:
    assert pinyin_keys("多工序数控机床操作调整工") == (
        "duogongxushukongjichuangcaozuotiaozhenggong dgxskjccztzg"
    )
    assert pinyin_keys("GIS工程师") == "gisgongchengshi gisgcs"
    assert pinyin_keys("2024新职业示例07（演示）") == "2024xinzhiyeshili07yanshi 2024xzysl07ys"
    assert pinyin_keys("ABC") == "abc"  # nothing to abbreviate
