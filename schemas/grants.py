"""Ratings granted by competition results (competitions → ratings).

A ministry-set policy per competition (e.g. national contest gold → technician in the linked
occupation) makes the competitions service emit this event, through its outbox, for every
qualifying result whose competitor carries a national ID. The ratings service issues the
certificates through its normal certificate path, exactly once per `grant_id`, even when
results are revised and the event is emitted again.
"""

from __future__ import annotations

from datetime import date

import msgspec

RATINGS_GRANTED = "skills.competitions.ratings.granted"


class GrantedRating(msgspec.Struct, frozen=True, kw_only=True):
    grant_id: str  # stable: "<competition>:<skill>:<person>" — the exactly-once key
    national_id: str  # 18-digit resident ID; never leaves the ratings service's hashed store
    name: str
    occupation_code: str
    level: str  # a rating level name, e.g. "technician" (see schemas/ratings.py once present)
    competition_code: str
    skill_number: str
    medal: str
    awarded_on: date


class RatingsGranted(msgspec.Struct, frozen=True, kw_only=True):
    competition_code: str
    policy_id: str
    result_revision: int
    grants: list[GrantedRating]
