"""JetStream subscriptions of the competitions context."""

from __future__ import annotations

from schemas.competitions import RESULTS_PUBLISHED, ResultsPublished
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged
from schemas.ratings import (
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    CertificateIssued,
    CertificateRevoked,
)
from services.platform.consumer import ConsumerSpec, Route

from .handlers import apply_catalogue, apply_certificates, apply_results, apply_revocation

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

# The certificates the ratings service issued for our grants (and revoked), so a medallist's
# page can link to the certificate.
CERTIFICATES = ConsumerSpec(
    name="competitions-certificates",
    context="ratings",
    schema="competitions",
    routes={
        CERTIFICATE_ISSUED: Route(CertificateIssued, apply_certificates),
        CERTIFICATE_REVOKED: Route(CertificateRevoked, apply_revocation),
    },
)
