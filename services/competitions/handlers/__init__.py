"""Use cases of the competitions context, one module each: competitions, skills and members
(`competitions`), results (`results`: submitted over HTTP or imported, applied by the
consumer), the ratings results grant (`grants`), and our copies of other contexts' data
(`copies`). Callers use the names listed here."""

from __future__ import annotations

from .competitions import (
    SCHEMA,
    AddSkills,
    AlreadyExists,
    CompetitionNotFound,
    CreateCompetition,
    InvalidInput,
    PublishMemberTally,
    RegisterMembers,
    UnknownMember,
    add_skills,
    create_competition,
    publish_member_tally,
    register_members,
)
from .copies import apply_catalogue, apply_certificates, apply_revocation
from .grants import PolicyInvalid, SetRatingPolicy, grant_ratings, set_rating_policy
from .results import (
    CheckedResults,
    Plan,
    ResultsRefused,
    ResultsTooLarge,
    SubmitResults,
    apply_results,
    check_submission,
    plan,
    refresh_standings,
    result_rows,
    results_event,
    rules_of,
    submission_event_id,
    submit_results,
)

__all__ = [
    "SCHEMA",
    "AddSkills",
    "AlreadyExists",
    "CheckedResults",
    "CompetitionNotFound",
    "CreateCompetition",
    "InvalidInput",
    "Plan",
    "PolicyInvalid",
    "PublishMemberTally",
    "RegisterMembers",
    "ResultsRefused",
    "ResultsTooLarge",
    "SetRatingPolicy",
    "SubmitResults",
    "UnknownMember",
    "add_skills",
    "apply_catalogue",
    "apply_certificates",
    "apply_results",
    "apply_revocation",
    "check_submission",
    "create_competition",
    "grant_ratings",
    "plan",
    "publish_member_tally",
    "refresh_standings",
    "register_members",
    "result_rows",
    "results_event",
    "rules_of",
    "set_rating_policy",
    "submission_event_id",
    "submit_results",
]
