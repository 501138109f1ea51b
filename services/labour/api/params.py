"""Parameters the labour routes share: cache policy, query and path parameter helpers."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import CacheControlHeader
from litestar.params import PathParameter, QueryParameter

# Public reads may be cached briefly by proxies: publications change rarely.
PUBLIC_CACHE = CacheControlHeader(public=True, no_cache=True)  # revalidate: the ETag answers 304
OCCUPATION_CODE = r"^[1-8](-\d{2}){3}$"
# Query values are checked here, not by the Annotated types of `schemas` (Litestar does not
# read a msgspec Meta nested in an Optional query parameter).
REGION = r"^(national|(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])0000)$"
PROVINCE = r"^(none|(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])0000)$"
PERIOD = r"^20\d{2}(-(Q[1-4]|H[12]))?$"
YEAR = {"ge": 2000, "le": 2099}


def query(description: str, *, name: str | None = None, **constraints: Any) -> Any:
    return QueryParameter(name=name, description=description, required=False, **constraints)


def path(pattern: str, description: str) -> Any:
    return PathParameter(pattern=pattern, max_length=80, description=description)
