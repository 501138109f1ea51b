"""Competition rules without I/O: places, medals, awards, orderings, streaks, masking."""

from __future__ import annotations

from schemas.competitions import CompetitionRules, Competitor, ResultLine, SkillResults
from services.competitions.domain import (
    Earned,
    Scored,
    SkillFacts,
    Tally,
    albert_vidal,
    best_of_nation,
    check_skill_results,
    content_hash,
    derive,
    gold_streaks,
    grant_id,
    mask_name,
    places,
    rank,
    ranks_of,
    withdrawal_reason,
)

WSC = CompetitionRules(tie_threshold=0, excellence_threshold=700)


def line(member: str, mark: float, medal: str | None = None, size: int = 1) -> ResultLine:
    people = [Competitor(name=f"Demo {member} {i}") for i in range(size)]
    return ResultLine(member=member, competitors=people, mark=mark, medal=medal)  # type: ignore[arg-type]


def test_two_golds_leave_no_silver() -> None:
    lines = [line("CN", 750), line("KR", 750), line("FR", 740), line("JP", 710), line("CH", 690)]
    assert derive(lines, WSC) == [
        (1, "GOLD"),
        (1, "GOLD"),
        (3, "BRONZE"),
        (4, "EXCELLENCE"),
        (5, "NONE"),
    ]


def test_marks_within_the_tie_threshold_share_a_medal() -> None:
    rules = CompetitionRules(tie_threshold=1.0, excellence_threshold=700)
    assert places([760, 759.2, 758.9, 740], rules.tie_threshold) == [1, 1, 2, 4]
    assert [m for _, m in derive([line("A", 760), line("B", 759)], rules)] == ["GOLD", "GOLD"]
    assert [m for _, m in derive([line("A", 760), line("B", 758.9)], rules)] == ["GOLD", "SILVER"]


def test_excellence_needs_the_threshold_and_can_be_switched_off() -> None:
    lines = [line("A", 800), line("B", 790), line("C", 780), line("D", 700), line("E", 699.9)]
    assert [m for _, m in derive(lines, WSC)][3:] == ["EXCELLENCE", "NONE"]
    off = CompetitionRules(excellence_threshold=None)
    assert [m for _, m in derive(lines, off)][3:] == ["NONE", "NONE"]


def facts(*members: str, team: int = 1) -> SkillFacts:
    return SkillFacts(team_size=team, known_members=frozenset(members))


def test_given_medal_that_contradicts_the_marks_is_named() -> None:
    results = SkillResults(skill="07", revision=1, results=[line("CN", 700, "SILVER")])
    problems = check_skill_results(results, facts("CN"), WSC, "skills[0]")
    assert problems and problems[0][0] == "skills[0].results[0].medal"
    assert "earns GOLD" in problems[0][1]


def test_given_rules_need_medals_and_good_input_passes() -> None:
    given = CompetitionRules(medals="given")
    results = SkillResults(skill="07", revision=1, results=[line("CN", 700), line("KR", 690)])
    assert [f for f, _ in check_skill_results(results, facts("CN", "KR"), given, "s")] == [
        "s.results[0].medal",
        "s.results[1].medal",
    ]
    good = SkillResults(
        skill="07", revision=1, results=[line("CN", 700, "GOLD"), line("KR", 690, "SILVER")]
    )
    assert check_skill_results(good, facts("CN", "KR"), given, "s") == []


def test_bad_lines_are_each_reported() -> None:
    results = SkillResults(
        skill="07", revision=1, results=[line("CN", 700, size=3), line("CN", 690), line("XX", 1)]
    )
    problems = check_skill_results(results, facts("CN", team=2), WSC, "s")
    messages = " | ".join(m for _, m in problems)
    assert "takes teams of at most 2" in messages
    assert "duplicate entry" in messages
    assert "unknown member 'XX'" in messages
    assert check_skill_results(results, None, WSC, "s")[0][0] == "s.skill"


def test_albert_vidal_is_shared_on_ties_and_best_of_nation_is_per_member() -> None:
    scored = [Scored("CN", 780), Scored("KR", 780), Scored("CN", 760), Scored("FR", 720)]
    assert albert_vidal(scored) == [0, 1]
    assert best_of_nation(scored) == [0, 1, 3]
    assert albert_vidal([]) == []


def test_content_hash_ignores_line_order_but_not_marks() -> None:
    a = SkillResults(skill="07", revision=2, results=[line("CN", 700), line("KR", 690)])
    b = SkillResults(skill="07", revision=2, results=[line("KR", 690), line("CN", 700)])
    c = SkillResults(skill="07", revision=2, results=[line("KR", 691), line("CN", 700)])
    assert content_hash(a) == content_hash(b) != content_hash(c)


TALLIES = [
    Tally(
        "CN",
        gold=2,
        silver=0,
        bronze=0,
        excellence=0,
        score_total=1500,
        entries=2,
        skills_entered=2,
    ),
    Tally(
        "KR",
        gold=1,
        silver=2,
        bronze=0,
        excellence=1,
        score_total=2900,
        entries=4,
        skills_entered=4,
    ),
    Tally(
        "FR",
        gold=1,
        silver=2,
        bronze=0,
        excellence=1,
        score_total=2800,
        entries=4,
        skills_entered=4,
    ),
    Tally(
        "JP",
        gold=0,
        silver=0,
        bronze=3,
        excellence=0,
        score_total=2100,
        entries=3,
        skills_entered=3,
    ),
]


def order(rank_by: str) -> list[tuple[int, str]]:
    return [(r, t.member) for r, t in rank(TALLIES, rank_by)]


def test_gold_first_shares_ranks_on_identical_medal_counts() -> None:
    assert order("gold") == [(1, "CN"), (2, "FR"), (2, "KR"), (4, "JP")]


def test_each_other_ordering() -> None:
    assert order("total") == [(1, "FR"), (1, "JP"), (1, "KR"), (4, "CN")]
    assert order("points") == [(1, "FR"), (1, "KR"), (3, "CN"), (4, "JP")]  # 11, 11, 8, 6
    assert order("score_total")[0] == (1, "KR")
    assert order("score_avg") == [(1, "CN"), (2, "KR"), (3, "FR"), (3, "JP")]
    assert order("points_per_skill") == [(1, "CN"), (2, "FR"), (2, "KR"), (4, "JP")]
    assert ranks_of(TALLIES, "JP") == {
        "gold": 4,
        "total": 1,
        "points": 4,
        "score_total": 3,
        "score_avg": 3,
        "points_per_skill": 4,
    }


def test_streaks_count_consecutive_editions_only() -> None:
    editions = [
        ("WSC2015", ["KR"]),
        ("WSC2017", ["KR", "CN"]),
        ("WSC2019", ["KR"]),
        ("WSC2022", ["CN"]),
        ("WSC2024", ["CN"]),
    ]
    runs = gold_streaks(editions)
    assert (runs[0].member, runs[0].golds, runs[0].first, runs[0].last) == (
        "KR",
        3,
        "WSC2015",
        "WSC2019",
    )
    assert [(r.member, r.golds, r.first) for r in runs[1:]] == [
        ("CN", 2, "WSC2022"),
        ("CN", 1, "WSC2017"),
    ]


def test_names_are_masked_and_grant_ids_are_stable() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("Marie Claire Dupont") == "Marie C. D."
    assert mask_name("Demo Competitor 07-CN") == "Demo Competitor 07-CN"
    first = grant_id("CNSC2023", "07", "110101199003077777")
    assert first == grant_id("CNSC2023", "07", "110101199003077777")
    assert "110101" not in first
    assert grant_id("CNSC2023", "07", "110101199003077777", 2) == f"{first}:v2"


def test_a_grant_is_withdrawn_only_when_the_rating_it_earns_changes() -> None:
    gold = Earned("GOLD", "technician", "6-18-01-01")
    as_silver = Earned("SILVER", "technician", "6-18-01-01")
    assert withdrawal_reason("07", gold, "GOLD", gold, 2) is None
    assert withdrawal_reason("07", gold, "SILVER", as_silver, 2) is None  # same rating
    assert withdrawal_reason("07", gold, "NONE", None, 3) == (
        "gold medal in skill 07 removed by result revision 3"
    )
    lower = Earned("SILVER", "senior", "6-18-01-01")
    assert withdrawal_reason("07", gold, "SILVER", lower, 2) == (
        "gold medal in skill 07 lowered to silver by result revision 2"
    )
    assert withdrawal_reason("PO1", as_silver, "GOLD", None, 4) == (
        "silver medal in skill PO1 raised to gold by result revision 4"
    )
    relinked = Earned("GOLD", "technician", "6-18-01-02")
    assert withdrawal_reason("07", gold, "GOLD", relinked, 5) == (
        "gold medal in skill 07 earns technician in 6-18-01-02 under the rating policy, "
        "not technician in 6-18-01-01, at result revision 5"
    )
