"""Ratings granted by competition results, and withdrawn again (competitions → ratings).

A ministry-set policy per competition (e.g. national contest gold → technician in the linked
occupation) makes the competitions service emit `ratings.granted`, through its outbox, for every
qualifying result whose competitor carries a national ID. The ratings service issues the
certificates through its normal certificate path, exactly once per `grant_id`, even when
results are revised and the event is emitted again.

When a later result revision takes the medal away, or makes it earn another level or
occupation, the competitions service emits `ratings.withdrawn` once for that grant; the ratings
service revokes the certificate (or never issues it, if the grant has not arrived yet).
"""

from __future__ import annotations

from datetime import date

import msgspec

from schemas.limits import PositiveInt32

RATINGS_GRANTED = "skills.competitions.ratings.granted"
RATINGS_WITHDRAWN = "skills.competitions.ratings.withdrawn"


class GrantedRating(msgspec.Struct, frozen=True, kw_only=True):
    # The exactly-once key: "<competition>:<skill>:<person>" for a person's first grant in a
    # skill, "<competition>:<skill>:<person>:v<N>" for the N-th after earlier ones were withdrawn.
    grant_id: str
    person: str  # keyed hash (HMAC-SHA256, hex) of the national ID; the plain ID never travels
    id_last4: str
    name: str
    occupation_code: str
    level: str  # a rating level name, e.g. "technician" (schemas.ratings.Level)
    competition_code: str
    skill_number: str
    medal: str
    awarded_on: date


class RatingsGranted(msgspec.Struct, frozen=True, kw_only=True):
    competition_code: str
    policy_id: str
    result_revision: PositiveInt32
    grants: list[GrantedRating]


class WithdrawnGrant(msgspec.Struct, frozen=True, kw_only=True):
    grant_id: str
    reason: str  # e.g. "gold medal in skill 07 removed by result revision 3"


class RatingsWithdrawn(msgspec.Struct, frozen=True, kw_only=True):
    competition_code: str
    # The highest revision among the skills whose results withdrew these.
    result_revision: PositiveInt32
    withdrawals: list[WithdrawnGrant]
