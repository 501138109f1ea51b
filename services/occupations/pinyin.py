"""Search keys of Chinese names: pinyin in full and by initials, computed when a release applies.

Stored in the read model beside each name, so `shukong` and `skjc` find 数控机床操作调整工 with
the same indexed query as any other text (no pinyin work at query time).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

KEEP = re.compile(r"[^a-z0-9]+")
NOT_CHINESE = "\x01"
LATIN = re.compile(r"[a-z][a-z0-9' .-]*")  # a query that may be pinyin (Shu Kong, shu'kong)


@lru_cache(maxsize=16_384)
def pinyin_keys(text: str) -> str:
    """`数控铣工` → `shukongxigong skxg`: toneless pinyin, then initials; letters and digits
    only, lower case (a Latin part such as `GIS` stays as it is written)."""
    # One conversion for both: a syllable gives its first letter, a non-Chinese chunk (marked
    # by the callback) stays whole, as pypinyin's own FIRST_LETTER style does; half the cost.
    # Imported here: its dictionaries take 55 MB, needed only where releases are applied.
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(text, errors=lambda chunk: NOT_CHINESE + chunk)
    full = "".join(s.removeprefix(NOT_CHINESE) for s in syllables)
    initials = "".join(s[1:] if s.startswith(NOT_CHINESE) else s[:1] for s in syllables)
    full, initials = KEEP.sub("", full.lower()), KEEP.sub("", initials.lower())
    return f"{full} {initials}" if full != initials else full


def many_keys(texts: Iterable[str]) -> str:
    return " ".join(pinyin_keys(t) for t in texts if t)


def work_type_key(work_type: dict[str, Any]) -> str:
    """One searchable line per work type: `code|name_zh|name_en|pinyin|initials`. The code
    comes first so a match can say which work type it was."""
    name_zh = work_type.get("name_zh") or ""
    parts: Sequence[str] = (
        work_type["code"],
        name_zh.lower(),
        (work_type.get("name_en") or "").lower(),
        pinyin_keys(name_zh).replace(" ", "|") if name_zh else "",
    )
    return "|".join(parts)
