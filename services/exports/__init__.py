"""Open data: scheduled and on-demand exports of every public dataset, CSV and JSON Lines."""

from __future__ import annotations

from services.platform.runtime import Service

from .api import ExportController
from .startup import schedule_exports

SERVICE = Service(
    name="exports",
    schema="exports",
    route_handlers=[ExportController],
    startup=[schedule_exports],
    outbox=False,
)
