"""Every public page, as a reader sees it in headless Chromium (JavaScript off), at a phone's
390 px and a laptop's 1366 px: entirely in its language, nothing wider than the screen, nothing
loaded from elsewhere. Screenshots of the main pages go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from services.competitions import demo_lists
from services.web.i18n import TEXT

from .test_web_browser import ARGS, ARTIFACTS, CHROMIUM, demo_site  # noqa: F401

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

# Raw values of enums a page must translate (checked as whole words on Chinese pages).
RAW_ENUMS = [
    *demo_lists.SECTORS.values(),
    "worldskills",
    "senior",
    "technician",
    "added",
    "amended",
    "baseline",
    "new-occupations",
    "GOLD",
    "SILVER",
    "BRONZE",
    "EXCELLENCE",
    "points_per_skill",
    "score_avg",
    "bytes",
    "sha256",
]
# English the API speaks (problem details): never on a page.
API_PHRASES = ["Validation failed", "skillsreg.internal", "Expected `", "problem+json"]
# UI sentences of each language (several words, or several characters), from the page texts.
NOT_UI = {"language", "medal_NONE"}
ENGLISH_UI = sorted(
    {en for key, (zh, en) in TEXT.items() if key not in NOT_UI and en != zh and " " in en}
)
CHINESE_UI = sorted(
    {zh for key, (zh, en) in TEXT.items() if key not in NOT_UI and zh != en and len(zh) >= 4}
)
SHOTS = {
    "/zh/": "home",
    "/en/occupations": "occupations",
    "/zh/competitions": "competitions",
    "/zh/competitions/WSC2024": "medal-table",
    "/en/competitions/WSC2024": "medal-table",
    "/zh/members/CN": "member-cn",
    "/en/members/CH": "member-ch",
    "/zh/skills?q=CNC": "skill-search",
    "/en/skills?name=CNC+Milling": "skill-history",
    "/zh/competitions/WSC2024/skills/59": "skill-results",
}
PER_SHAPE = 2  # pages walked per route shape (e.g. /competitions/<code>/skills/<number>)
FIXED = [
    "/zh/nope",
    "/en/nope",
    "/zh/competitions/WSC2024?rank_by=bogus",
    "/en/members/CN?since=1",
    "/zh/skills?q=%E6%95%B0%E6%8E%A7%E9%93%A3",
    "/en/skills?q=7",
    "/zh/skills?q=CNC",
    "/en/members/CN?kind=national",
    *SHOTS,
]


def shape(url: str) -> str:
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    keys = sorted(k for k, _ in parse_qsl(parts.query))
    return "/".join(segments[:2] + ["*"] * len(segments[2:])) + "?" + "&".join(keys)


def problems_on(lang: str, text: str) -> Iterator[str]:
    for phrase in API_PHRASES:
        if phrase in text:
            yield f"API text {phrase!r}"
    if lang == "zh":
        for value in RAW_ENUMS:
            if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text):
                yield f"raw value {value!r}"
        for sentence in ENGLISH_UI:
            if sentence in text:
                yield f"English UI text {sentence!r}"
    else:
        for sentence in CHINESE_UI:
            if sentence in text:
                yield f"Chinese UI text {sentence!r}"


async def visible_text(page: Any, lang: str) -> str:
    """The page's own text: less the data notes (bilingual by design) and less data values the
    page marks as written in the other language (`lang` attribute: names, titles as published)."""
    return str(
        await page.evaluate(
            """(lang) => { const body = document.body.cloneNode(true);
                body.querySelectorAll('#data-note, [lang]').forEach(n => {
                    if (n.id === 'data-note' || !n.lang.startsWith(lang)) n.remove(); });
                return body.innerText; }""",
            lang,
        )
    )


async def test_every_page_in_its_language_fits_a_phone_and_loads_nothing_from_outside(
    demo_site: str,  # noqa: F811
) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    ARTIFACTS.mkdir(exist_ok=True)
    outside: list[str] = []
    found: dict[str, list[str]] = {}
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            phone = await browser.new_context(
                java_script_enabled=False, viewport={"width": 390, "height": 844}
            )
            laptop = await browser.new_context(
                java_script_enabled=False, viewport={"width": 1366, "height": 900}
            )
            for context in (phone, laptop):
                await context.route(
                    "**/*",
                    lambda route: (
                        route.continue_()
                        if route.request.url.startswith(demo_site)
                        else (outside.append(route.request.url), route.abort())[1]
                    ),
                )
            # Wait for the demo results to be applied before walking.
            page = await phone.new_page()
            for _ in range(300):
                await page.goto(f"{demo_site}/en/skills?name=CNC+Milling")
                if await page.locator("#streaks").count():
                    break
                await page.wait_for_timeout(200)
            queue = list(dict.fromkeys(FIXED))
            seen: set[str] = set(queue)
            shapes: dict[str, int] = {}
            walked = 0
            while queue:
                path = queue.pop(0)
                lang = path.split("/")[1]
                response = await page.goto(demo_site + path)
                assert response is not None
                assert response.headers["content-type"].startswith("text/html"), path
                walked += 1
                found[path] = list(problems_on(lang, await visible_text(page, lang)))
                width = await page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                if width[0] > width[1]:
                    found.setdefault(path, []).append(f"wider than the phone: {width}")
                for href in await page.eval_on_selector_all(
                    "a[href]", "els => els.map(e => e.getAttribute('href'))"
                ):
                    if not re.match(r"^/(zh|en)(/|$)", href) or "after=" in href:
                        continue
                    key = shape(href)
                    if href not in seen and shapes.get(key, 0) < PER_SHAPE:
                        shapes[key] = shapes.get(key, 0) + 1
                        seen.add(href)
                        queue.append(href)
            laptop_page = await laptop.new_page()
            for path, name in SHOTS.items():
                lang = path.split("/")[1]
                for label, shot in (("390", page), ("1366", laptop_page)):
                    await shot.goto(demo_site + path)
                    await shot.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-{label}.png"))
                width = await laptop_page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                assert width[0] <= width[1], (path, width)
            # The menu collapses on a phone and opens with its button, without JavaScript.
            await page.goto(f"{demo_site}/zh/")
            assert not await page.is_visible("#menu a")
            await page.click("#menu-button")
            assert await page.is_visible("#menu a")
            assert await laptop_page.is_visible("#menu a")
        finally:
            await browser.close()
    problems = {path: found_here for path, found_here in found.items() if found_here}
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())
    assert not outside, outside
    assert walked >= 40, walked
