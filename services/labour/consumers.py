"""JetStream subscriptions of the labour context."""

from __future__ import annotations

from schemas.labour import (
    CATALOGUE_PUBLISHED,
    PACKAGE_PUBLISHED,
    PAY_PUBLISHED,
    CataloguePublished,
    PackagePublished,
    PayPublished,
)
from schemas.occupations import CATALOGUE_CHANGED, CatalogueChanged
from schemas.ratings import (
    BODY_AUTHORISED,
    BODY_REGISTERED,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    BodyAuthorised,
    BodyRegistered,
    CertificateIssued,
    CertificateRevoked,
)
from services.platform.consumer import ConsumerSpec, Route

from .handlers import (
    apply_authorisation,
    apply_body,
    apply_catalogue,
    apply_certificates,
    apply_classification,
    apply_package,
    apply_pay,
    apply_revocation,
)

# What the ministry and provinces publish (through our API, or straight to the bus).
PUBLICATIONS = ConsumerSpec(
    name="labour-publications",
    context="labour",
    schema="labour",
    routes={
        CATALOGUE_PUBLISHED: Route(CataloguePublished, apply_catalogue),
        PAY_PUBLISHED: Route(PayPublished, apply_pay),
        PACKAGE_PUBLISHED: Route(PackagePublished, apply_package),
    },
)

# Our copy of the classification: which codes exist, are retired, and which release added them.
OCCUPATIONS = ConsumerSpec(
    name="labour-occupations",
    context="occupations",
    schema="labour",
    routes={CATALOGUE_CHANGED: Route(CatalogueChanged, apply_classification)},
)

# Bodies (with their province), their authorisations, and certificate counts. Counts are sums
# of issued and revoked, so the order issue and revocation arrive in does not matter.
RATINGS = ConsumerSpec(
    name="labour-ratings",
    context="ratings",
    schema="labour",
    routes={
        BODY_REGISTERED: Route(BodyRegistered, apply_body),
        BODY_AUTHORISED: Route(BodyAuthorised, apply_authorisation),
        CERTIFICATE_ISSUED: Route(CertificateIssued, apply_certificates),
        CERTIFICATE_REVOKED: Route(CertificateRevoked, apply_revocation),
    },
)
