"""Read models for the public API: plain SQL over the competitions schema (no national IDs),
one module per concern: one competition (`competitions`), reads across competitions
(`history`). Callers use the names listed here."""

from __future__ import annotations

from .competitions import (
    ResultRow,
    StandingRow,
    TallyRow,
    awards,
    competition_skills,
    entries,
    list_competitions,
    list_skills,
    refused_submissions,
    sector_tallies,
    skill_results,
    standings,
)
from .history import (
    MemberResultRow,
    MemberStandingRow,
    competitor_history,
    list_members,
    member_history,
    search_skills,
    skill_history,
)

__all__ = [
    "MemberResultRow",
    "MemberStandingRow",
    "ResultRow",
    "StandingRow",
    "TallyRow",
    "awards",
    "competition_skills",
    "competitor_history",
    "entries",
    "list_competitions",
    "list_members",
    "list_skills",
    "member_history",
    "refused_submissions",
    "search_skills",
    "sector_tallies",
    "skill_history",
    "skill_results",
    "standings",
]
