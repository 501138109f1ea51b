"""Rules of the vocational skill rating system: levels, resident IDs, pass rule, certificates.

Pure functions, no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec

from schemas.ratings import LEVELS, TOP_GRADES, Outcome
from services.platform.national_ids import (  # re-exported: ratings' rules use them throughout
    mod11_2,
    normalise_id,
    resident_id_problem,
)

# LEVELS run lowest first. The national grade numbers (5 = junior ... 1 = senior technician)
# run the other way and stop short of the two top grades, which have no number.
GRADE_NUMBERS: dict[str, int] = {
    "junior": 5,
    "intermediate": 4,
    "senior": 3,
    "technician": 2,
    "senior_technician": 1,
}
RANK = {level: i for i, level in enumerate(LEVELS)}
# From technician up, a review (defence / performance review) is part of the assessment.
REVIEW_FROM = RANK["technician"]
PASS_MARK = 60.0
MAX_SCORE = 100.0
MAX_BATCH = 5_000  # candidates per assessment batch: one event, well under the bus payload limit
MAX_VERIFY = 500  # certificates per bulk verification request

# Resident IDs and their keyed hash are shared with competitions (services.platform.national_ids).

# -- names ------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜; one character → *."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def same_name(given: str, stored: str) -> bool:
    return " ".join(given.split()).casefold() == " ".join(stored.split()).casefold()


# -- scores and the pass rule -----------------------------------------------------------------


def required_parts(level: str) -> tuple[str, ...]:
    if RANK[level] >= REVIEW_FROM:
        return ("theory", "practical", "review")
    return ("theory", "practical")


def score_problems(level: str, scores: Mapping[str, float | None]) -> list[tuple[str, str]]:
    """(field, message) for every missing or out-of-range score of a candidate at `level`."""
    problems: list[tuple[str, str]] = []
    needed = required_parts(level)
    for part in ("theory", "practical", "review"):
        value = scores.get(part)
        if value is None:
            if part in needed:
                problems.append((part, f"a {part} score is required at level {level}"))
        elif not 0.0 <= value <= MAX_SCORE:
            problems.append((part, f"scores run from 0 to 100; got {value:g}"))
    return problems


def failed_parts(level: str, scores: Mapping[str, float | None]) -> list[str]:
    return [p for p in required_parts(level) if (scores.get(p) or 0.0) < PASS_MARK]


# -- per-candidate decision --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str | None = None


PASSED = Decision("passed")


def decide(
    level: str,
    occupation_code: str,
    theory: float,
    practical: float,
    review: float | None,
    *,
    body_kind: str,
    occupation_status: str | None,
    authorised_levels: frozenset[str],
    exam_date: date,
) -> Decision:
    """The consumer's verdict on one candidate, in the order a reviewer would check."""
    # The common case first, without building anything (this runs for every candidate).
    if (
        occupation_status == "active"
        and level in authorised_levels
        and (body_kind == "enterprise" or level not in TOP_GRADES)
        and theory >= PASS_MARK
        and practical >= PASS_MARK
        and (RANK[level] < REVIEW_FROM or (review or 0.0) >= PASS_MARK)
    ):
        return PASSED
    if occupation_status is None:
        return Decision("refused", f"unknown occupation code {occupation_code}")
    if occupation_status != "active":
        return Decision("refused", f"occupation {occupation_code} is retired")
    if level in TOP_GRADES and body_kind != "enterprise":
        return Decision("refused", f"{level} is assessed by enterprise bodies only")
    if level not in authorised_levels:
        return Decision(
            "refused",
            f"the body is not authorised for {level} in {occupation_code} on {exam_date}",
        )
    scores = {"theory": theory, "practical": practical, "review": review}
    shown = ", ".join(f"{p} {scores.get(p) or 0:g}" for p in failed_parts(level, scores))
    return Decision("failed", f"below {PASS_MARK:g}: {shown}")


class OutcomeEntry(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One candidate's outcome in a batch's outcome document (stored as a JSON array, as many
    as the batch has candidates)."""

    index: int
    name: str
    id_last4: str
    occupation_code: str
    level: str
    theory: float
    practical: float
    review: float | None
    outcome: Outcome
    reason: str | None
    certificate_number: str | None


def batch_id_reused(batch_id: str, known_hash: str, digest: str) -> str | None:
    """Why a batch cannot be taken when its id is already applied: None for the same content
    again (harmless), else the reason. The batch id is the submission's idempotency key."""
    if known_hash == digest:
        return None
    return (
        f"batch {batch_id} was already applied with different content; "
        "submit corrections under a new batch id"
    )


# -- certificate numbers ----------------------------------------------------------------------
#
# `YYYY-BBBBBB-SSSSSSSS-C`: the exam year, the issuing body's number (assigned when it is
# registered), a serial per body and year, and an ISO 7064 MOD 11-2 check character over the
# 18 digits. The check character lets a verifier reject a mistyped number before any look-up;
# the body and year make numbers unique without a global counter (one counter row per body
# and year).

# ASCII digits only: `\d` would take other scripts' digits, which no check sum is made of.
_NUMBER = re.compile(r"[0-9]{4}-[0-9]{6}-[0-9]{8}-[0-9X]")
_NUMBERS = re.compile(r"(?:[0-9]{4}-[0-9]{6}-[0-9]{8}-[0-9X]\n)*")  # 23 characters a line
_CHECK = "0123456789X"  # by value of the MOD 11-2 sum
_SERIAL_WEIGHT = 13**8  # of the year and body digits, past the serial's eight
# A body's serials for a year are split into 8 lanes of 12.5 million, each with its own
# counter row. A worker takes whichever lane no other worker holds (see
# store.allocate_serials), so workers applying one body's batches side by side
# never wait on one counter row (it stays locked until the batch commits). Only when all
# lanes are busy does a batch queue on the lane its id hashes to.
LANES = 8
LANE_SIZE = 12_500_000


def serial_lane(origin_id: str) -> int:
    return int.from_bytes(hashlib.blake2s(origin_id.encode(), digest_size=2).digest()) % LANES


def certificate_number(year: int, body_no: int, serial: int) -> str:
    digits = f"{year:04d}{body_no:06d}{serial:08d}"
    return f"{year:04d}-{body_no:06d}-{serial:08d}-{mod11_2(digits)}"


def certificate_numbers(year: int, body_no: int, first: int, count: int) -> list[str]:
    """`count` consecutive numbers, equal to `certificate_number` for each serial.

    Read in base 13 (see mod11_2), a number's check sum splits into the year-and-body part, the
    serial's upper five digits and its last three; the last three come from `_TAILS`, so a
    thousand numbers cost one string join each.
    """
    prefix = f"{year:04d}{body_no:06d}"
    head = int(prefix, 13) * 13**8
    out: list[str] = []
    serial, end = first, first + count
    while serial < end:
        upper, lower = divmod(serial, 1000)
        upper_digits = f"{upper:05d}"
        tails = _TAILS[(head + int(upper_digits, 13) * 13**3) % 11]
        stem = f"{prefix[:4]}-{prefix[4:]}-{upper_digits}"
        stop = min(end - upper * 1000, 1000)
        out += [stem + tail for tail in tails[lower:stop]]
        serial = upper * 1000 + stop
    return out


def _tails(partial: int) -> list[str]:
    """'ddd-C' for the last three serial digits, given the rest of the check sum mod 11."""
    out = []
    for n in range(1000):
        value = (12 - 2 * (partial + int(f"{n:03d}", 13)) % 11) % 11
        out.append(f"{n:03d}-{'X' if value == 10 else value}")
    return out


_TAILS = [_tails(partial) for partial in range(11)]


def certificate_number_problem(number: str) -> str | None:
    if _NUMBER.fullmatch(number) is None:
        return "expected YYYY-BBBBBB-SSSSSSSS-C (year, body, serial, check character)"
    if not _check_matches(number):
        return "the check character does not match; the number is mistyped"
    return None


def malformed_numbers(numbers: list[str]) -> set[str]:
    """Those of `numbers` that `certificate_number_problem` refuses. A bulk verification sends
    up to 500: their shapes are checked in one regex pass over all of them, one per line (the
    length shows that no number held a line break of its own); then the check characters, the
    year-and-body part of each sum computed once (see mod11_2: the digits read in base 13)."""
    lines = "\n".join(numbers) + "\n"
    if len(lines) != 23 * len(numbers) or _NUMBERS.fullmatch(lines) is None:
        return {n for n in numbers if certificate_number_problem(n)}
    heads: dict[str, int] = {}
    malformed = set()
    for number in numbers:
        head = heads.get(number[:11])
        if head is None:
            head = heads[number[:11]] = int(number[:4] + number[5:11], 13) * _SERIAL_WEIGHT % 11
        if _CHECK[(12 - 2 * (head + int(number[12:20], 13)) % 11) % 11] != number[21]:
            malformed.add(number)
    return malformed


def _check_matches(number: str) -> bool:
    """Whether a well-formed number's check character is right."""
    return mod11_2(number[:4] + number[5:11] + number[12:20]) == number[21]


# -- batch checks (the synchronous half) -------------------------------------------------------


def candidate_problems(
    candidates: list[Any], today: date, *, id_field: str = "national_id"
) -> list[dict[str, Any]]:
    """Every problem of every candidate, as `{index, field, message}`; empty when all are fine.

    Duplicates are the same person in the same occupation and level twice in one batch.
    """
    problems: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}

    def add(index: int, field: str, message: str) -> None:
        problems.append(
            {"index": index, "field": f"candidates[{index}].{field}", "message": message}
        )

    for i, c in enumerate(candidates):
        national_id = normalise_id(getattr(c, id_field))
        problem = resident_id_problem(national_id, today)
        if problem:
            add(i, id_field, problem)
        if not c.name.strip() or len(c.name) > 100:
            add(i, "name", "a name of 1 to 100 characters is required")
        if not _CODE.match(c.occupation_code):
            add(i, "occupation_code", "expected X-XX-XX-XX, e.g. 4-04-05-01")
        rank = RANK.get(c.level)
        if rank is None:
            add(i, "level", f"one of {', '.join(LEVELS)}")
            continue
        theory, practical, review = c.theory, c.practical, c.review
        if not (  # the common case, checked without building anything
            theory is not None
            and practical is not None
            and 0.0 <= theory <= MAX_SCORE
            and 0.0 <= practical <= MAX_SCORE
            and (0.0 <= review <= MAX_SCORE if review is not None else rank < REVIEW_FROM)
        ):
            scores = {"theory": theory, "practical": practical, "review": review}
            for field, message in score_problems(c.level, scores):
                add(i, field, message)
        key = (national_id, c.occupation_code, c.level)
        if key in seen:
            add(i, id_field, f"the same candidate, occupation and level as candidate {seen[key]}")
        else:
            seen[key] = i
    return problems


_CODE = re.compile(r"^[1-8](-\d{2}){3}$")
