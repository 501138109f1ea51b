"""Jinja2 rendering for the pages: language from the path prefix, links that keep it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request
from litestar.response import Response

from .i18n import LANGS, Lang, name_of, text
from .public_api import PublicApi

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

AnyRequest = Request[Any, Any, Any]


def lang_of(request: AnyRequest) -> Lang:
    first = request.url.path.strip("/").split("/", 1)[0]
    return "en" if first == "en" else "zh"


def api(request: AnyRequest) -> PublicApi:
    host = request.client.host if request.client else "127.0.0.1"
    return PublicApi(request.app, client_host=host)


def serves(request: AnyRequest, path: str) -> bool:
    """Whether the app has a route for `path` (a context not deployed here has none)."""
    return any(route.path == path for route in request.app.routes)


def link(lang: Lang, path: str, **query: Any) -> str:
    values = {k: v for k, v in query.items() if v not in (None, "")}
    return f"/{lang}{path}" + (f"?{urlencode(values)}" if values else "")


def page(request: AnyRequest, template: str, *, status: int = 200, **context: Any) -> Response[str]:
    lang = lang_of(request)
    other: Lang = "en" if lang == "zh" else "zh"
    rest = request.url.path.strip("/").partition("/")[2]
    query = request.url.query
    switch = f"/{other}/{rest}" + (f"?{query}" if query else "")

    def t(key: str) -> str:
        return text(lang, key)

    def url(path: str, **q: Any) -> str:
        return link(lang, path, **q)

    def name(item: Any) -> str:
        return name_of(lang, item.name_zh, item.name_en)

    html = environment.get_template(template).render(
        lang=lang,
        langs=LANGS,
        t=t,
        url=url,
        name=name,
        switch_url=switch,
        path=request.url.path,
        **context,
    )
    return Response(html, status_code=status, media_type="text/html; charset=utf-8")
