"""Jinja2 rendering for the pages: language from the path prefix, links that keep it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Response
from markupsafe import Markup, escape

from services.platform.logs import get_logger
from services.platform.public_api import ApiError, PublicApi

from .i18n import LANGS, TEXT, Lang, name_of, text

log = get_logger(__name__)

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


def number(value: float | None) -> str:
    """A mark or score as people write it: 752, 743.33, 44,412 (never `752.0`)."""
    if value is None:
        return "—"
    return f"{round(float(value), 2):,.2f}".rstrip("0").rstrip(".")


def flag(code: str) -> str:
    """The member's flag as regional-indicator letters (drawn by the reader's own fonts, so
    nothing loads). Chinese Taipei competes under its own emblem, not a flag."""
    if len(code) != 2 or not code.isalpha() or code in NO_FLAG:
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper())


NO_FLAG = frozenset({"TW"})
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
SHOWN_ENUMS = frozenset({"digital", "green", "active", "retired"})


def written_in(value: str) -> Lang:
    """The language a data value is mostly written in: a note in English that quotes a
    Chinese name is English (a Chinese character weighs about as much as three letters)."""
    return "zh" if len(CJK.findall(value)) * 3 >= len(LATIN.findall(value)) else "en"


def page(
    request: AnyRequest,
    template: str,
    *,
    status: int = 200,
    members: Mapping[str, Any] | None = None,
    **context: Any,
) -> Response[str]:
    lang = lang_of(request)
    other: Lang = "en" if lang == "zh" else "zh"
    rest = request.url.path.strip("/").partition("/")[2]
    query = request.url.query
    switch = f"/{other}/{rest}" + (f"?{query}" if query else "")

    def t(key: str, **values: Any) -> str:
        return text(lang, key, **values)

    def url(path: str, **q: Any) -> str:
        return link(lang, path, **q)

    def name(item: Any) -> Markup:
        return data(name_of(lang, item.name_zh, item.name_en))

    def shown(value: Any) -> str:
        """A field's value in a change record: lists joined, known enum values translated."""
        if value is None or value in ("", []):
            return "—"
        if isinstance(value, list):
            return ("、" if lang == "zh" else ", ").join(shown(v) for v in value)
        return text(lang, str(value)) if str(value) in SHOWN_ENUMS else str(value)

    def cname(competition: Any) -> Markup:
        """A competition's name in the page's language where it has one."""
        return data(name_of(lang, competition.name_zh or competition.name, competition.name))

    def skill_name(skill: Any) -> Markup:
        """A skill's name in the page's language (WorldSkills' skills have both)."""
        if skill is None:
            return Markup("")
        zh = getattr(skill, "name_zh", None) or getattr(skill, "skill_name_zh", None)
        en = getattr(skill, "name_en", None) or getattr(skill, "skill_name", None)
        return data((zh or en or "") if lang == "zh" else (en or zh or ""))

    def data(value: Any) -> Markup:
        """A data value as it was published, marked with its language where that is not the
        page's (so readers' tools, and our checks, know it is not the page's own text)."""
        shown = "" if value is None else str(value)
        written = written_in(shown)
        if not shown or written == lang or (not LATIN.search(shown) and written == "en"):
            return escape(shown)
        return Markup('<span lang="{}">{}</span>').format(written, shown)

    def note(text_: str) -> Markup:
        """A competition's note; one written 'Chinese / English' shows the page's half."""
        zh, sep, en = text_.partition(" / ")
        if sep and CJK.search(zh) and not CJK.search(en):
            return data(zh if lang == "zh" else en)
        return data(text_)

    def title(item: Any) -> Markup:
        """A catalogue's or pay survey's title as published (in Chinese); another language's
        page names it by what it is: kind, region and period."""
        if lang == "zh" or not CJK.search(item.title):
            return data(item.title)
        kind = text(lang, f"kind_{item.kind}") if hasattr(item, "kind") else text(lang, "pay")
        return escape(f"{kind} · {item.region_en} · {getattr(item, 'period', None) or item.year}")

    def member(code: str) -> Markup:
        """A member's name in the page's language (its code if it has no name here)."""
        known = (members or {}).get(code)
        return data(name_of(lang, known.name_zh, known.name_en) if known else code)

    html = environment.get_template(template).render(
        lang=lang,
        langs=LANGS,
        t=t,
        url=url,
        name=name,
        member=member,
        title=title,
        cname=cname,
        data=data,
        note=note,
        skill_name=skill_name,
        shown=shown,
        flag=flag,
        num=number,
        switch_url=switch,
        path=request.url.path,
        **context,
    )
    return Response(html, status_code=status, media_type="text/html")


def error_page(
    request: AnyRequest,
    status: int,
    *,
    field: str | None = None,
    back: str | None = None,
    sentence: str | None = None,
) -> Response[str]:
    """A page in the reader's language with the status, a plain sentence and a way back;
    never the API's problem text (it names internal URLs)."""
    family = status if f"error_title_{status}" in TEXT else (500 if status >= 500 else 400)
    if status == 404:
        family = 404
    return page(
        request,
        "error.html",
        status=status,
        error_status=status,
        title_key=f"error_title_{family}",
        text_key=sentence or f"error_text_{family}",
        field=field,
        back=back,
    )


def refused(request: AnyRequest, exc: ApiError, *, back: str | None = None) -> Response[str]:
    """The page for a read the API refused (a bad parameter, nothing there, too many asks)."""
    if exc.status not in (400, 404, 429):
        raise exc
    return error_page(request, exc.status, field=refused_field(exc.problem), back=back)


def refused_field(problem: Mapping[str, Any]) -> str | None:
    """The first parameter an API problem names, if any (`rank_by`, `since`)."""
    for error in problem.get("errors") or []:
        field = error.get("field") if isinstance(error, dict) else None
        if field and field != "$":
            return str(field)
    return None


def render_error(request: AnyRequest, exc: Exception) -> Response[str]:
    """Errors raised on the way to a page (unknown path, bad parameter, a failure)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        log.exception("page failed", path=request.url.path)
    field = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        keys = [{"field": item.get("key")} for item in exc.extra if isinstance(item, dict)]
        field = refused_field({"errors": keys})
    return error_page(request, status, field=field)
