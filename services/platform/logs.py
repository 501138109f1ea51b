"""Logs for every process (structlog over the standard logging module): JSON lines for a log
collector, readable lines at a terminal."""

from __future__ import annotations

import logging
import os
import sys

import structlog

FORMATS = ("auto", "json", "console")


def resolve_format(fmt: str) -> str:
    """`auto`: readable lines when stderr is a terminal, JSON otherwise."""
    if fmt == "auto":
        return "console" if sys.stderr.isatty() else "json"
    return fmt


def configure_logging(level: str = "INFO", fmt: str = "auto", process: str | None = None) -> None:
    """`process` names this process in every line when several serve together (`http-1`)."""
    fmt = resolve_format(fmt)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty() and not os.environ.get("NO_COLOR")
        )
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if process:
        shared.append(_named(process))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic's "Context impl" lines and uvicorn's per-process start-up lines repeat what our
    # own lines say once ("database migrated", "serving"); httpx would log each in-process
    # call of the pages and exports.
    for noisy in ("uvicorn.access", "uvicorn.error", "nats", "asyncio", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _named(process: str) -> structlog.types.Processor:
    def add_process(
        logger: object, method: str, event: structlog.types.EventDict
    ) -> structlog.types.EventDict:
        event.setdefault("process", process)
        return event

    return add_process


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
