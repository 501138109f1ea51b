"""JetStream subscriptions of the ratings context."""

from __future__ import annotations

from schemas.grants import RATINGS_GRANTED, RATINGS_WITHDRAWN, RatingsGranted, RatingsWithdrawn
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged
from schemas.ratings import ASSESSMENT_SUBMITTED, AssessmentSubmitted
from services.platform.consumer import ConsumerSpec, Route

from .handlers.batches import apply_assessment
from .handlers.catalogue import apply_catalogue
from .handlers.grants import apply_grants, apply_withdrawals

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
    subject_field="batch_id",
)

# Ratings granted by competition results, and withdrawn by later result revisions. One
# consumer for both, so a grant and its withdrawal usually arrive in the order they were made.
GRANTS = ConsumerSpec(
    name="ratings-grants",
    context="competitions",
    schema="ratings",
    routes={
        RATINGS_GRANTED: Route(RatingsGranted, apply_grants),
        RATINGS_WITHDRAWN: Route(RatingsWithdrawn, apply_withdrawals),
    },
)
