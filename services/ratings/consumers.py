"""JetStream subscriptions of the ratings context."""

from __future__ import annotations

from schemas.grants import RATINGS_GRANTED, RatingsGranted
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged
from schemas.ratings import ASSESSMENT_SUBMITTED, AssessmentSubmitted
from services.platform.consumer import ConsumerSpec, Route

from .handlers import apply_assessment, apply_catalogue, apply_grants

# Our copy of valid occupation codes, from the occupations context's derived events.
OCCUPATION_CODES = ConsumerSpec(
    name="ratings-occupation-codes",
    context="occupations",
    schema="ratings",
    routes={CATALOGUE_CHANGED: Route(CatalogueChanged, apply_catalogue)},
)

ASSESSMENTS = ConsumerSpec(
    name="ratings-assessments",
    context="ratings",
    schema="ratings",
    routes={ASSESSMENT_SUBMITTED: Route(AssessmentSubmitted, apply_assessment)},
)

# Ratings granted by competition results.
GRANTS = ConsumerSpec(
    name="ratings-grants",
    context="competitions",
    schema="ratings",
    routes={RATINGS_GRANTED: Route(RatingsGranted, apply_grants)},
)
