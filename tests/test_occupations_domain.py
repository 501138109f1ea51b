"""Pure rules of releases: no servers needed."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

import msgspec
import pytest

from schemas.occupations import OccupationAmendment, ReleasePublished
from services.occupations.domain.occupations import amend, content_hash, field_changes, net_changes
from services.occupations.pinyin import PinyinChild, PinyinUnavailable, pinyin_keys

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


def test_the_applying_process_gets_pinyin_from_a_child_without_loading_its_dictionaries() -> None:
    script = (
        "import asyncio, sys\n"
        "from services.occupations.pinyin import keys_of\n"
        "print(asyncio.run(keys_of(['银行', '数控铣工', ''])), 'pypinyin' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    # 银行 is yin hang only with the phrase dictionary (yin xing without it).
    assert out.stdout.strip() == ("{'数控铣工': 'shukongxigong skxg', '银行': 'yinhang yh'} False")


def test_a_pinyin_child_that_died_is_replaced_and_one_that_fails_raises() -> None:
    child = PinyinChild()
    try:
        assert child.keys(["银行"]) == ["yinhang yh"]
        first = child.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        while child.pid is not None:
            time.sleep(0.01)
        assert child.keys(["数控铣工", "银行"]) == ["shukongxigong skxg", "yinhang yh"]
        assert child.pid not in (None, first)
    finally:
        child.close()
    assert child.pid is None
    # A child that reads the request and exits without answering: the caller gets an error
    # (the consumer then retries the event), never keys that were not computed.
    broken = PinyinChild([sys.executable, "-c", "import sys; sys.stdin.readline()"])
    with pytest.raises(PinyinUnavailable):
        broken.keys(["银行"])
    broken.close()
