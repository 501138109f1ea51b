"""Input no service can store: NUL characters, lone surrogates, invalid UTF-8, absurd nesting.

One set of checks for every edge, HTTP and the bus alike: Postgres text cannot hold NUL, UTF-8
cannot hold a lone surrogate, and msgspec decodes recursively (a 200,000-deep array raises
RecursionError, an invalid UTF-8 string UnicodeDecodeError, neither a DecodeError). Every
check is a C-speed scan of the raw bytes first; the slower walk that names the field runs only
when the scan finds something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

MAX_DEPTH = 32  # the deepest contract nests 6 levels; anything past this is not ours
MAX_REASON = 2000  # characters of a stored refusal reason

_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
# NUL written as a JSON escape (a raw NUL byte is already invalid JSON).
_NUL_ESCAPE = b"\\u0000"
# A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or the reverse: not a character.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_MARK = "\ufdd0"  # a noncharacter standing in for a lone surrogate while its field is found
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
_MARKED = re.compile(_MARK)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """Why input cannot be taken, and where: `field` is a JSON path (`items[3].name`) or `$`."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def json_depth_exceeds(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when arrays/objects in `data` nest deeper than `limit` (brackets in strings aside)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # fewer opening brackets than the limit: cannot nest deeper
    # Brackets only, strings dropped, all in C. Escapes go first: escaped backslashes, then
    # escaped quotes (pairs read left to right, as a JSON parser does). Deleting every other
    # byte then turns a string without brackets into `""`; a regex drops the rest.
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    # Each pass removes the innermost pairs: a document of depth d is empty after d passes.
    for _ in range(limit):
        if not skeleton:
            return False
        skeleton = skeleton.replace(b"[]", b"").replace(b"{}", b"")
    return bool(skeleton)  # deeper than `limit` (or unbalanced, which no decoder takes)


def utf8_problem(data: bytes) -> InputProblem | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputProblem("$", f"not valid UTF-8 (byte {exc.start}: {exc.reason})")
    return None


def json_problem(data: bytes, limit: int = MAX_DEPTH) -> InputProblem | None:
    """Why a JSON document cannot be decoded safely and stored, or None.

    Checks nesting before anything decodes, then UTF-8, then NUL characters in any name or
    value (found by a walk that names the field). Lone surrogates need no check here: msgspec
    refuses them as malformed JSON.
    """
    if json_depth_exceeds(data, limit):
        return InputProblem("$", f"JSON nested deeper than {limit} levels")
    if not data.isascii():
        problem = utf8_problem(data)
        if problem:
            return problem
    if b"\\u" in data and _LONE_SURROGATE.search(data):
        # msgspec refuses these as malformed JSON without saying where: mark them to find it.
        mark = _MARK.encode("ascii", "backslashreplace")  # the JSON escape \ufdd0
        marked = _LONE_SURROGATE.sub(lambda _: mark, data)
        try:
            return text_problem(msgspec.json.decode(marked), unstorable_text=_MARKED)
        except msgspec.DecodeError:
            return None
    if _NUL_ESCAPE in data:
        try:
            value = msgspec.json.decode(data)
        except msgspec.DecodeError:
            return None  # malformed: the caller's decoder says why
        return text_problem(value)
    return None


def decodable(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Safe to hand to a JSON decoder: nested no deeper than `limit`, valid UTF-8 (what it
    holds may still not be storable)."""
    return not json_depth_exceeds(data, limit) and (data.isascii() or utf8_problem(data) is None)


def text_problem(
    value: Any, path: str = "$", unstorable_text: re.Pattern[str] = _UNSTORABLE
) -> InputProblem | None:
    """The first string (value or object key) in decoded JSON that Postgres cannot store."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if unstorable_text.search(item):
                return InputProblem(where, unstorable(item))
        elif isinstance(item, dict):
            for key, inner in reversed(item.items()):
                at = key if where == "$" else f"{where}.{key}"
                if unstorable_text.search(key):
                    shown = printable(at.replace(_MARK, "\\u(surrogate)"), 200)
                    return InputProblem(shown, f"the field name {unstorable(key)}")
                stack.append((at, inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", inner) for i, inner in reversed(list(enumerate(item))))
    return None


def unstorable(text: str) -> str:
    if "\x00" in text:
        return "holds a NUL character (\\u0000), which text cannot contain"
    return "holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not a character"


def has_unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def printable(text: str, limit: int = MAX_REASON) -> str:
    """`text` as it can always be stored and sent in a header: control characters, NUL and lone
    surrogates escaped, at most `limit` characters."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\n", " ")
    text = text.replace("\r", " ").replace("\t", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
