"""`create_app()`: one Litestar app per process, serving whichever services it is given."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, get
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.response import Response
from litestar.static_files import create_static_files_router

from .auth import Principal, authenticate, authenticate_first
from .bus import Bus
from .cache import ReadCache
from .contracts import ROUTES as CONTRACT_ROUTES
from .db import Pool
from .dead_letter_api import dead_letter_controller
from .edge import SafeRequest, refuse_unstorable_parameters
from .errors import EXCEPTION_HANDLERS, MEDIA_TYPE
from .fast_paths import Stack
from .openapi import document_problems, example_response, problem_responses
from .proxies import leave_forwarding_to_the_app
from .runtime import Runtime
from .settings import Settings

# Swagger UI is vendored (npm swagger-ui-dist) so the API docs load nothing from outside.
STATIC = "/static/openapi"


@get(
    "/health/live",
    tags=["health"],
    summary="The process is up",
    sync_to_thread=False,
    responses=example_response({"status": "ok"}),
)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/health/ready",
    tags=["health"],
    summary="Postgres, NATS and consumers are reachable",
    description=(
        "Not ready (503) when Postgres or NATS cannot be reached, or when a consumer of this "
        "replica is not running or has messages waiting and made no progress for "
        "`SKILLSREG_CONSUMER_STALL_SECONDS`; `consumers` names each one and what is wrong."
    ),
    responses={
        **example_response(
            {
                "status": "ready",
                "checks": {"postgres": True, "nats": True, "consumers": True},
                "consumers": {"occupations-catalogue": "ok"},
            }
        ),
        **problem_responses(503),
    },
)
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    checks, consumers = await request.app.state.runtime.readiness()
    ok = all(checks.values())
    body: dict[str, Any] = {
        "status": "ready" if ok else "unavailable",
        "checks": checks,
        "consumers": consumers,
    }
    if ok:
        return Response(body)
    failing = [name for name, problem in consumers.items() if problem != "ok"]
    body |= {"type": "/problems/unavailable", "title": "Not ready", "status": 503}
    if failing:
        body["detail"] = "; ".join(f"{name}: {consumers[name]}" for name in failing)
    return Response(body, status_code=503, media_type=MEDIA_TYPE)


class Metrics(PrometheusController):
    path = "/metrics"
    include_in_schema = False


def _runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _pool(request: Request[Any, Any, Any]) -> Pool:
    return _runtime(request).pool


def _bus(request: Request[Any, Any, Any]) -> Bus:
    return _runtime(request).bus


def _settings(request: Request[Any, Any, Any]) -> Settings:
    return _runtime(request).settings


async def _principal(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal | None = request.state.get("principal")
    return principal if principal is not None else await authenticate(request)


def create_app(
    runtime: Runtime,
    *,
    close_runtime: bool = True,
    http_worker: str | None = None,
    read_cache: bool = True,
) -> Litestar:
    """The app for `runtime.services`; its lifespan runs their consumers and relays, unless
    it is `http_worker` of several sharing one socket (their consumers run in a process of
    their own); that worker's HTTP metrics carry its name. Every serving process listens
    for token revocations. `read_cache=False`: no cache of encoded reads (`cache.py`), for
    an app that serves no HTTP."""
    leave_forwarding_to_the_app()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if http_worker is None:
            runtime.start_background()
        runtime.listen_for_revocations()
        try:
            yield
        finally:
            if close_runtime:
                await runtime.close()

    handlers: list[Any] = [
        live,
        ready,
        Metrics,
        *CONTRACT_ROUTES,
        create_static_files_router(
            path=STATIC,
            directories=[Path(__file__).parent / "static" / "swagger-ui"],
            include_in_schema=False,
        ),
    ]
    for service in runtime.services:
        handlers.extend(service.route_handlers)
        if service.consumers:
            handlers.append(dead_letter_controller(service))
    names = ", ".join(s.name for s in runtime.services)
    prometheus = PrometheusConfig(
        app_name="skillsreg",
        group_path=True,
        labels={"worker": http_worker} if http_worker else None,
    )
    app = Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        state=State({"runtime": runtime}),
        dependencies={
            "runtime": Provide(_runtime, sync_to_thread=False),
            "pool": Provide(_pool, sync_to_thread=False),
            "bus": Provide(_bus, sync_to_thread=False),
            "settings": Provide(_settings, sync_to_thread=False),
            "principal": Provide(_principal),
        },
        guards=[authenticate_first, refuse_unstorable_parameters],
        request_class=SafeRequest,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[prometheus.middleware],
        # Level 5: most of the size saving of 9 for a fraction of its CPU on every response.
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, gzip_compress_level=5
        ),
        cors_config=CORSConfig(allow_origins=["*"], allow_methods=["GET"]),
        request_max_body_size=runtime.settings.max_request_bytes,
        openapi_config=OpenAPIConfig(
            title="skillsreg",
            version="0.1.0",
            description=f"Workforce-skills registry ({names}). Errors: RFC 9457 problem details.",
            path="/schema",
            render_plugins=[
                SwaggerRenderPlugin(
                    path="/",
                    js_url=f"{STATIC}/swagger-ui-bundle.js",
                    standalone_preset_js_url=f"{STATIC}/swagger-ui-standalone-preset.js",
                    css_url=f"{STATIC}/swagger-ui.css",
                    favicon="",
                )
            ],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http", scheme="bearer", description="srk_… token"
                    )
                }
            ),
        ),
        logging_config=None,
        debug=False,
    )
    document_problems(app)
    # Outermost, so a cached read skips CORS, routing and every middleware (cache.py); the
    # services' fast paths in front of it (fast_paths.py).
    handler: Any = app.asgi_handler
    if read_cache:
        handler = ReadCache(handler, lambda: runtime.pool, http_worker)
    served_by = ((b"x-served-by", http_worker.encode()),) if http_worker else ()
    for service in runtime.services:
        for fast_path in service.fast_paths:
            handler = fast_path(Stack(handler, app, prometheus, served_by))
    app.asgi_handler = handler
    return app


def app_of(runtime: Runtime) -> Litestar:
    """This process's app: the one serving HTTP, else one made now for in-process reads
    (exports read the public API through it), so a process never holds two. The one made
    here keeps no read cache: an export reads each page once, and the cache would keep up to
    its budget (32 MB) of pages no one asks for again."""
    if runtime.http_app is None:
        runtime.http_app = create_app(runtime, close_runtime=False, read_cache=False)
    return runtime.http_app
