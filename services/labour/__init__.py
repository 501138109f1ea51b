"""Labour: what the ministry publishes about the skilled workforce — demand catalogues, pay,
new-occupation packages — and rating statistics, from its own copies of other contexts' events."""

from __future__ import annotations

from services.platform.runtime import Service

from .api import CONTROLLERS
from .consumers import OCCUPATIONS, PUBLICATIONS, RATINGS
from .demo import load_demo

SERVICE = Service(
    name="labour",
    schema="labour",
    route_handlers=CONTROLLERS,
    consumers=[PUBLICATIONS, OCCUPATIONS, RATINGS],
    contexts=["labour"],
    startup=[load_demo],
)
