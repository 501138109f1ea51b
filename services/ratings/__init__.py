"""Ratings: evaluation bodies, assessment batches, certificates and their verification."""

from __future__ import annotations

from services.platform.runtime import Service

from .api.batches import AssessmentBatchController
from .api.bodies import EvaluationBodyController
from .api.certificates import CertificateController, PeopleController
from .api.verification import CertificateVerification
from .consumers import ASSESSMENTS, GRANTS, OCCUPATION_CODES
from .demo import load_demo
from .demo_statistics import load_statistics_demo

SERVICE = Service(
    name="ratings",
    schema="ratings",
    route_handlers=[
        EvaluationBodyController,
        AssessmentBatchController,
        CertificateController,
        PeopleController,
    ],
    consumers=[OCCUPATION_CODES, ASSESSMENTS, GRANTS],
    contexts=["ratings"],
    startup=[load_demo, load_statistics_demo],
    fast_paths=[CertificateVerification],
)
