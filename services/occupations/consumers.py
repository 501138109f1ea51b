"""JetStream subscriptions of the occupations context."""

from __future__ import annotations

from schemas.occupations import RELEASE_PUBLISHED, ReleasePublished
from services.platform.consumer import ConsumerSpec, Route

from .handlers import apply_release

CATALOGUE = ConsumerSpec(
    name="occupations-catalogue",
    context="occupations",
    schema="occupations",
    routes={RELEASE_PUBLISHED: Route(ReleasePublished, apply_release)},
    subject_field="release_id",
)
