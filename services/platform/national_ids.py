"""Resident identity numbers (GB 11643-1999) and the keyed hash they are kept as.

Shared by every context that receives national IDs (ratings, competitions): one check of the
check character, one HMAC under the one deployment key (`SKILLSREG_ID_HASH_KEY`). A plain ID
lives only in the request that carried it; what is stored or published is `person_ref(id)` and
the last four characters. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import date

# Province-level codes that open an 18-digit resident ID (81-83: HK, Macao, Taiwan residence
# permits, which use the same format).
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51}
    | {52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character for a string of ASCII digits: '0'-'9' or 'X'.

    The weights are 2^k mod 11, counted from the check position, so every single-digit error
    and every swap of adjacent digits changes the result. Since 13 = 2 (mod 11), reading the
    digits in base 13 gives the weighted sum up to one factor of 2, in one C call.
    """
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"digits only: {digits!r}")
    return _check_character(digits)


def _check_character(digits: str) -> str:
    value = (12 - 2 * int(digits, 13) % 11) % 11
    return "X" if value == 10 else str(value)


_PROVINCE_PREFIXES = frozenset(f"{p:02d}" for p in PROVINCES)


def resident_id_problem(national_id: str, today: date) -> str | None:
    """Why `national_id` is not a plausible 18-digit resident ID, or None if it is."""
    if not _ID_SHAPE.match(national_id):
        return "expected 17 digits and a check character (0-9 or X)"
    if national_id[:2] not in _PROVINCE_PREFIXES:
        return f"{national_id[:2]} is not a province code"
    problem = _birth_date_problem(national_id[6:14], today)
    if problem:
        return problem
    if _check_character(national_id[:17]) != national_id[17]:
        return "the check digit does not match (ISO 7064 MOD 11-2)"
    return None


@functools.lru_cache(maxsize=1 << 16)  # about 45,000 birth dates since 1900
def _birth_date_problem(yyyymmdd: str, today: date) -> str | None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return "the birth date in the ID is not a date"
    if born.year < 1900 or born > today:
        return "the birth date in the ID is not plausible"
    return None


def normalise_id(national_id: str) -> str:
    return national_id.strip().upper()


class PersonHasher:
    """The keyed hash we store instead of an ID: no table of all IDs can reverse it.

    HMAC-SHA256 under the service key (RFC 2104). The hash states after the key's inner and
    outer pads are prepared once and copied per ID: a third of the cost of `hmac.digest`,
    which redoes them for every one of a batch's thousand IDs.
    """

    BLOCK = 64  # SHA-256's block size

    def __init__(self, key: bytes) -> None:
        if len(key) > self.BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self.BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, national_id: str) -> str:
        inner = self._inner.copy()
        inner.update(normalise_id(national_id).encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


@functools.lru_cache(maxsize=4)
def person_hasher(key: bytes) -> PersonHasher:
    return PersonHasher(key)


def person_ref(national_id: str, key: bytes) -> str:
    """The keyed hash of one ID (see PersonHasher)."""
    return person_hasher(key)(national_id)


def id_last4(national_id: str) -> str:
    return normalise_id(national_id)[-4:]
