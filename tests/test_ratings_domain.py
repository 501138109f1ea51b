"""Pure rules of the rating system: IDs, levels, pass rule, certificate numbers, masking."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date

import pytest

from services.platform import national_ids
from services.ratings import domain

TODAY = date(2026, 11, 23)


def resident_id(body: str) -> str:
    return body + domain.mod11_2(body)


def test_levels_run_from_apprentice_to_chief_technician() -> None:
    assert domain.LEVELS[0] == "apprentice" and domain.LEVELS[-1] == "chief_technician"
    assert [domain.GRADE_NUMBERS[lv] for lv in domain.LEVELS[1:6]] == [5, 4, 3, 2, 1]
    assert set(domain.LEVELS[6:]) == domain.TOP_GRADES


def test_published_example_id_is_valid_and_any_digit_change_is_caught() -> None:
    good = "11010519491231002X"
    assert domain.resident_id_problem(good, TODAY) is None
    for i in range(17):
        digit = str((int(good[i]) + 1) % 10)
        mistyped = good[:i] + digit + good[i + 1 :]
        assert domain.resident_id_problem(mistyped, TODAY) is not None, i


@pytest.mark.parametrize(
    ("national_id", "words"),
    [
        ("1101051949123100", "17 digits"),
        ("11010519491231002Y", "17 digits"),
        ("99010519491231002X", "province"),
        (resident_id("11010519490231002"), "not a date"),
        (resident_id("11010520300101002"), "plausible"),
        ("110105194912310021", "check digit"),
    ],
)
def test_bad_ids_say_why(national_id: str, words: str) -> None:
    problem = domain.resident_id_problem(national_id, TODAY)
    assert problem is not None and words in problem


def test_pass_needs_every_required_part_at_sixty() -> None:
    senior = {"theory": 60.0, "practical": 75.0, "review": None}
    assert domain.failed_parts("senior", senior) == []
    assert domain.failed_parts("technician", senior) == ["review"]
    assert domain.failed_parts("technician", senior | {"review": 59.5}) == ["review"]
    assert domain.failed_parts("junior", {"theory": 59.9, "practical": 100.0}) == ["theory"]


def test_scores_outside_range_and_missing_review_are_problems() -> None:
    problems = domain.score_problems("technician", {"theory": 101.0, "practical": -1.0})
    assert [field for field, _ in problems] == ["theory", "practical", "review"]
    assert domain.score_problems("junior", {"theory": 0.0, "practical": 100.0}) == []


def test_top_grades_only_from_enterprises_and_only_when_authorised() -> None:
    def verdict(body_kind: str, levels: frozenset[str]) -> domain.Decision:
        return domain.decide(
            "chief_technician",
            "4-04-05-01",
            90.0,
            90.0,
            90.0,
            body_kind=body_kind,
            occupation_status="active",
            authorised_levels=levels,
            exam_date=TODAY,
        )

    everything = frozenset(domain.LEVELS)
    assert verdict("enterprise", everything).outcome == "passed"
    social = verdict("social", everything)
    assert social.outcome == "refused" and "enterprise" in (social.reason or "")
    assert verdict("enterprise", frozenset({"technician"})).outcome == "refused"


def test_certificate_numbers_carry_a_check_character() -> None:
    number = domain.certificate_number(2026, 12, 345)
    assert number.startswith("2026-000012-00000345-")
    assert domain.certificate_number_problem(number) is None
    year, body, serial, check = number.split("-")
    swapped = f"{year}-{body}-{serial[:-2]}{serial[-1]}{serial[-2]}-{check}"
    assert domain.certificate_number_problem(swapped) is not None
    assert domain.certificate_number_problem("2026-12-345") is not None
    batch = domain.certificate_numbers(2026, 12, 340, 10)
    assert batch == [domain.certificate_number(2026, 12, s) for s in range(340, 350)]
    # Numbers that need the X check character exist and verify.
    with_x = next(
        n for s in range(1, 200) if (n := domain.certificate_number(2026, 1, s)).endswith("X")
    )
    assert domain.certificate_number_problem(with_x) is None
    # Digits of other scripts are digits to `\d`, not to a check sum: refused, not a crash.
    assert domain.certificate_number_problem("٢٠٢٦-000012-00000345-" + check) is not None
    assert domain.certificate_number_problem(number + "\n") is not None


def test_a_bulk_check_refuses_what_the_single_check_refuses() -> None:
    rng = random.Random(7)
    numbers = [
        *domain.certificate_numbers(2025, 1, 5_000_000, 200),
        *domain.certificate_numbers(2019, 77, 12, 100),
        *domain.certificate_numbers(2031, 999_999, 99_999_000, 100),
    ]
    for i in range(0, len(numbers), 3):  # a third mistyped somewhere
        at = rng.randrange(22)
        numbers[i] = numbers[i][:at] + rng.choice("0123456789X-") + numbers[i][at + 1 :]
    odd = [numbers[1] + "\n" + numbers[2], "٢٠٢٦-000012-00000345-0", "", "2026-1"]
    for some in (numbers, numbers[:50], [*numbers[:10], *odd], odd[:1], []):
        refused = {n for n in some if domain.certificate_number_problem(n)}
        assert domain.malformed_numbers(some) == refused
    assert len(domain.malformed_numbers(numbers)) > 100


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("张", "*"), (" 李四 ", "李*")],
)
def test_names_are_masked(name: str, masked: str) -> None:
    assert domain.mask_name(name) == masked


def test_person_ref_is_keyed() -> None:
    a = national_ids.person_ref("11010519491231002x", b"key-one")
    assert a == national_ids.person_ref("11010519491231002X", b"key-one")
    assert a != national_ids.person_ref("11010519491231002X", b"key-two")
    assert "11010519491231002X" not in a


def test_failed_candidates_are_told_which_parts() -> None:
    verdict = domain.decide(
        "technician",
        "4-04-05-01",
        70.0,
        59.0,
        None,
        body_kind="social",
        occupation_status="active",
        authorised_levels=frozenset({"technician"}),
        exam_date=TODAY,
    )
    assert verdict.outcome == "failed"
    assert verdict.reason == "below 60: practical 59, review 0"


def test_serial_lanes_keep_numbers_within_eight_digits() -> None:
    lanes = {domain.serial_lane(f"batch-{n}") for n in range(200)}
    assert lanes == set(range(domain.LANES))
    last = domain.certificate_number(2026, 1, (domain.LANES - 1) * domain.LANE_SIZE + 12_499_999)
    assert last.split("-")[2] == "99999999" and domain.certificate_number_problem(last) is None


@pytest.mark.parametrize("size", [0, 16, 31, 64, 65, 200])
def test_person_hash_is_hmac_sha256_for_any_key_length(size: int) -> None:
    key = bytes(range(256))[:size]
    expected = hmac.new(key, b"11010519491231002X", hashlib.sha256).hexdigest()
    assert national_ids.person_ref("11010519491231002x ", key) == expected


def test_check_character_matches_the_textbook_weighted_sum() -> None:
    """mod11_2 reads the digits in base 13; the standard's definition is a weighted sum."""
    rng = random.Random(11643)
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice([8, 17, 18])))
        total = sum(int(d) * pow(2, len(digits) - i, 11) for i, d in enumerate(digits))
        value = (12 - total % 11) % 11
        assert domain.mod11_2(digits) == ("X" if value == 10 else str(value)), digits
    first = 12_345_678 - 20
    batch = domain.certificate_numbers(2026, 42, first, 40)  # across a carry of the serial
    assert batch == [domain.certificate_number(2026, 42, first + k) for k in range(40)]
    with pytest.raises(ValueError):
        domain.mod11_2("１１０１０５")  # full-width digits are digits to str.isdigit, not here
    assert domain.resident_id_problem("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", TODAY) is not None
