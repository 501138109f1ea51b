"""SQL of the competitions schema, one module per concern: competitions, skills, members
and copies (`competitions`), results and standings (`results`), rating grants (`grants`).
Callers use the names listed here."""

from __future__ import annotations

from .competitions import (
    COMPETITION_COLUMNS,
    SKILL_COLUMNS,
    Conn,
    active_occupations,
    existing_skills,
    get_competition,
    insert_competition,
    insert_skills,
    known_members,
    put_published_tally,
    upsert_members,
    upsert_occupations,
)
from .grants import (
    get_policy,
    identified_results,
    latest_grants,
    link_certificates,
    record_grants,
    record_revocation,
    set_policy,
    withdraw_grants,
)
from .results import (
    MEDAL_TABLE,
    apply_results,
    competition_tallies,
    lock_skills,
    record_submission,
    refresh_tally,
    refusals_of,
    replace_standings,
    revision_hashes,
    skill_facts,
    submission,
)

__all__ = [
    "COMPETITION_COLUMNS",
    "MEDAL_TABLE",
    "SKILL_COLUMNS",
    "Conn",
    "active_occupations",
    "apply_results",
    "competition_tallies",
    "existing_skills",
    "get_competition",
    "get_policy",
    "identified_results",
    "insert_competition",
    "insert_skills",
    "known_members",
    "latest_grants",
    "link_certificates",
    "lock_skills",
    "put_published_tally",
    "record_grants",
    "record_revocation",
    "record_submission",
    "refresh_tally",
    "refusals_of",
    "replace_standings",
    "revision_hashes",
    "set_policy",
    "skill_facts",
    "submission",
    "upsert_members",
    "upsert_occupations",
    "withdraw_grants",
]
