"""Competitions: WorldSkills and national results, medal tables, histories and awards."""

from __future__ import annotations

from services.platform.runtime import Service

from .api.competitions import CompetitionController
from .api.history import CompetitorController, MemberController, SkillHistoryController
from .api.policy import RatingPolicyController
from .consumers import CERTIFICATES, OCCUPATIONS, RESULTS
from .demo_national import load_national_demo
from .startup import load_demo

SERVICE = Service(
    name="competitions",
    schema="competitions",
    route_handlers=[
        CompetitionController,
        MemberController,
        SkillHistoryController,
        CompetitorController,
        RatingPolicyController,
    ],
    consumers=[RESULTS, OCCUPATIONS, CERTIFICATES],
    contexts=["competitions"],
    startup=[load_demo, load_national_demo],
)
