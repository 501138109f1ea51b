"""JetStream subscriptions of the competitions context."""

from __future__ import annotations

from schemas.competitions import RESULTS_PUBLISHED, ResultsPublished
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged
from services.platform.consumer import ConsumerSpec, Route

from .handlers import apply_catalogue, apply_results

# Organisers' API and external scoring systems publish to the same subject.
RESULTS = ConsumerSpec(
    name="competitions-results",
    context="competitions",
    schema="competitions",
    routes={RESULTS_PUBLISHED: Route(ResultsPublished, apply_results)},
    subject_field="competition",
)

# Our own copy of valid occupation codes, for skills linked to an occupation.
OCCUPATIONS = ConsumerSpec(
    name="competitions-occupations",
    context="occupations",
    schema="competitions",
    routes={CATALOGUE_CHANGED: Route(CatalogueChanged, apply_catalogue)},
)
