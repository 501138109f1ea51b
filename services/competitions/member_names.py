"""Names of members in Chinese and English: CLDR territory names (Babel), with the names
WorldSkills uses by convention for some members taking precedence."""

from __future__ import annotations

from functools import cache

from babel import Locale

# WorldSkills' own names for these members, in both languages (worldskills-facts.md).
CONVENTIONS: dict[str, tuple[str, str]] = {
    "TW": ("中国台北", "Chinese Taipei"),
    "HK": ("中国香港", "Hong Kong, China"),
    "MO": ("中国澳门", "Macao, China"),
}


@cache
def _territories() -> tuple[dict[str, str], dict[str, str]]:
    return dict(Locale("zh").territories), dict(Locale("en").territories)


def names_of(code: str) -> tuple[str, str] | None:
    """(Chinese, English) name of a two-letter member code; None for codes CLDR lacks
    (provinces such as `CN-GD` keep the names they were registered with)."""
    if code in CONVENTIONS:
        return CONVENTIONS[code]
    zh, en = _territories()
    if len(code) != 2 or code not in zh or code not in en:
        return None
    return zh[code], en[code]
