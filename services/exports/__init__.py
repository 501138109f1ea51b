"""Open data: scheduled and on-demand exports of every public dataset, CSV and JSON Lines."""

from __future__ import annotations

from services.platform.runtime import Runtime, Service

from . import handlers
from .api import ExportController


async def schedule_exports(runtime: Runtime) -> None:
    """The scheduled export, when `SKILLSREG_EXPORT_INTERVAL` (hours) is above zero."""
    if runtime.settings.export_interval <= 0:
        return
    from services.platform.app import create_app  # the app over this runtime, to read its API

    app = create_app(runtime, close_runtime=False)
    await handlers.scheduled(runtime.pool, app, runtime.settings, runtime.stop)


SERVICE = Service(
    name="exports",
    schema="exports",
    route_handlers=[ExportController],
    startup=[schedule_exports],
    outbox=False,
)
