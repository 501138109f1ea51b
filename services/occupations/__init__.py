"""Occupations: the national classification, its releases and their history."""

from __future__ import annotations

from services.platform.runtime import Service

from .api import OccupationController
from .consumers import CATALOGUE
from .release_api import ReleaseController
from .startup import load_baseline, load_demo_releases
from .work_type_api import WorkTypeController

SERVICE = Service(
    name="occupations",
    schema="occupations",
    route_handlers=[OccupationController, WorkTypeController, ReleaseController],
    consumers=[CATALOGUE],
    contexts=["occupations"],
    startup=[load_baseline, load_demo_releases],
)
