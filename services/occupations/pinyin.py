"""Search keys of Chinese names: pinyin in full and by initials, computed when a release applies.

Stored in the read model beside each name, so `shukong` and `skjc` find 数控机床操作调整工 with
the same indexed query as any other text (no pinyin work at query time).

pypinyin's dictionaries take ~55 MB once loaded (the phrase dictionary is what reads 银行 as
yin hang, not yin xing), and a process never gives that back. Releases are rare, so the process
applying them does not load it: `keys_of` asks a child process (this file run as a script),
started on first need and ended after `IDLE_SECONDS` without work. If the child dies or stops
answering, `keys_of` raises and the release is applied again on redelivery, as after any
failure; the next call starts a new child.
"""

from __future__ import annotations

import asyncio
import atexit
import re
import select
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import IO, Any

import msgspec

KEEP = re.compile(r"[^a-z0-9]+")
NOT_CHINESE = "\x01"
LATIN = re.compile(r"[a-z][a-z0-9' .-]*")  # a query that may be pinyin (Shu Kong, shu'kong)
IDLE_SECONDS = 30.0  # a child with no work for this long exits, and its memory with it
ANSWER_SECONDS = 120.0  # ~2,000 names take well under a second; past this the child is stuck


@lru_cache(maxsize=16_384)
def pinyin_keys(text: str) -> str:
    """`数控铣工` → `shukongxigong skxg`: toneless pinyin, then initials; letters and digits
    only, lower case (a Latin part such as `GIS` stays as it is written)."""
    # One conversion for both: a syllable gives its first letter, a non-Chinese chunk (marked
    # by the callback) stays whole, as pypinyin's own FIRST_LETTER style does; half the cost.
    # Imported here: only the pinyin child (and tests of this function) load the dictionaries.
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(text, errors=lambda chunk: NOT_CHINESE + chunk)
    full = "".join(s.removeprefix(NOT_CHINESE) for s in syllables)
    initials = "".join(s[1:] if s.startswith(NOT_CHINESE) else s[:1] for s in syllables)
    full, initials = KEEP.sub("", full.lower()), KEEP.sub("", initials.lower())
    return f"{full} {initials}" if full != initials else full


def many_keys(texts: Iterable[str], keys: Mapping[str, str]) -> str:
    return " ".join(keys[t] for t in texts if t)


def work_type_key(work_type: dict[str, Any], keys: Mapping[str, str]) -> str:
    """One searchable line per work type: `code|name_zh|name_en|pinyin|initials`. The code
    comes first so a match can say which work type it was."""
    name_zh = work_type.get("name_zh") or ""
    parts: Sequence[str] = (
        work_type["code"],
        name_zh.lower(),
        (work_type.get("name_en") or "").lower(),
        keys[name_zh].replace(" ", "|") if name_zh else "",
    )
    return "|".join(parts)


class PinyinUnavailable(RuntimeError):
    """The pinyin child died or did not answer; what needed it is retried later."""


class PinyinChild:
    """One child process computing `pinyin_keys`, one JSON line in and one out per request.
    Used from worker threads (`keys_of`), one request at a time."""

    def __init__(self, command: Sequence[str] | None = None) -> None:
        # -I: no script directory or user site on the path, so the child imports only what
        # this file does (not the app: `python -m services...` would import every service).
        self.command = list(command or [sys.executable, "-I", __file__])
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._idle: threading.Timer | None = None

    def keys(self, texts: Sequence[str]) -> list[str]:
        with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            try:
                return self._ask(texts)
            except BaseException:
                self._stop()
                raise
            finally:
                self._idle = timer = threading.Timer(IDLE_SECONDS, lambda: self._expire(timer))
                timer.daemon = True
                timer.start()

    def close(self) -> None:
        with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            self._stop()

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _expire(self, timer: threading.Timer) -> None:
        with self._lock:
            if self._idle is timer:  # not a timer some later request already replaced
                self._stop()

    def _ask(self, texts: Sequence[str]) -> list[str]:
        process = self._process
        if process is None or process.poll() is not None:
            process = self._process = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(msgspec.json.encode(list(texts)) + b"\n")
            process.stdin.flush()
        except OSError as exc:  # a broken pipe: the child is gone
            raise PinyinUnavailable(f"pinyin child unreachable: {exc}") from exc
        ready, _, _ = select.select([process.stdout], [], [], ANSWER_SECONDS)
        if not ready:
            raise PinyinUnavailable(f"pinyin child gave no answer in {ANSWER_SECONDS:.0f} s")
        line = process.stdout.readline()
        if not line.endswith(b"\n"):
            raise PinyinUnavailable(f"pinyin child exited (status {process.wait()})")
        keys = msgspec.json.decode(line, type=list[str])
        if len(keys) != len(texts):
            raise PinyinUnavailable(f"pinyin child answered {len(keys)} of {len(texts)} names")
        return keys

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()  # end of input: the child exits
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


CHILD = PinyinChild()  # the one child of this process, started when first needed
# A process that stops waits for its child (which exits as soon as its input closes), so none
# outlives it.
atexit.register(CHILD.close)


async def keys_of(texts: Iterable[str]) -> dict[str, str]:
    """`pinyin_keys` of each distinct non-empty text, computed in the pinyin child."""
    distinct = sorted({t for t in texts if t})
    if not distinct:
        return {}
    keys = await asyncio.to_thread(CHILD.keys, distinct)
    return dict(zip(distinct, keys, strict=True))


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child: for each line (a JSON list of texts), one line of their keys, in order."""
    for line in requests:
        texts = msgspec.json.decode(line, type=list[str])
        answers.write(msgspec.json.encode([pinyin_keys(t) for t in texts]) + b"\n")
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
