"""Public web pages in Chinese and English, rendered on the server from the public JSON API."""

from __future__ import annotations

from typing import Any

from litestar import Router, get
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from services.platform.errors import PAGE_ERRORS
from services.platform.runtime import Service

from .competition_pages import CompetitionPages
from .i18n import LANGS
from .labour_pages import LabourPages
from .occupation_pages import OccupationPages
from .release_pages import ReleasePages
from .render import STATIC, render_error
from .verification_pages import VerificationPages


@get("/", include_in_schema=False, sync_to_thread=False)
def root() -> Redirect:
    return Redirect("/zh/")


PAGE_ERRORS.update({f"/{lang}/": render_error for lang in LANGS})

PAGES: list[Any] = [OccupationPages, ReleasePages, VerificationPages, CompetitionPages, LabourPages]

SERVICE = Service(
    name="web",
    schema="web",  # pages keep no state; the schema holds only the standard bus tables
    outbox=False,
    route_handlers=[
        root,
        create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
        *(Router(path=f"/{lang}", route_handlers=PAGES, include_in_schema=False) for lang in LANGS),
    ],
)
