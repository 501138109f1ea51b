"""What every serving process shares: the signals that stop it and its "serving" log line."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from types import FrameType

from .logs import get_logger
from .runtime import Service
from .settings import Settings

log = get_logger("services.platform.serve")


# Ctrl-C; docker stop, systemd, Kubernetes; the terminal running `make run` closing.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, through every `finally` (uvicorn handles both itself
    while it serves, then raises the signal again once it has stopped)."""
    raise KeyboardInterrupt


def hang_up(signum: int, frame: FrameType | None) -> None:
    signal.raise_signal(signal.SIGTERM)  # whoever handles SIGTERM now stops us cleanly


def stop_on_signals() -> None:
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, hang_up)


def log_serving(settings: Settings, services: Sequence[Service], **extra: object) -> None:
    url = f"http://{settings.host}:{settings.port}"
    log.info(
        "serving",
        url=url,
        services=[s.name for s in services],
        openapi=f"{url}/schema",
        **extra,
    )
