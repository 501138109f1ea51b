"""Occupations: the national classification, its releases and their history."""

from __future__ import annotations

from services.platform.runtime import Service

from .api.occupations import OccupationController
from .api.releases import ReleaseController
from .api.work_types import WorkTypeController
from .consumers import CATALOGUE
from .startup import load_baseline, load_demo_releases

SERVICE = Service(
    name="occupations",
    schema="occupations",
    route_handlers=[OccupationController, WorkTypeController, ReleaseController],
    consumers=[CATALOGUE],
    contexts=["occupations"],
    startup=[load_baseline, load_demo_releases],
)
