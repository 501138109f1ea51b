"""Small, invented releases for bus tests (codes ending in 9x do not exist in the baseline)."""

from __future__ import annotations

from datetime import date

from schemas.envelope import Event
from schemas.occupations import RELEASE_PUBLISHED, OccupationItem, ReleasePublished


def occupation(code: str, name: str | None = None, level: int = 4) -> OccupationItem:
    return OccupationItem(code=code, level=level, name_zh=name or f"测试职业{code}(demo)")


def release(release_id: str, *items: OccupationItem) -> ReleasePublished:
    return ReleasePublished(
        release_id=release_id,
        title=f"Test release {release_id} (invented)",
        published_on=date(2026, 1, 1),
        kind="new-occupations",
        items=list(items),
    )


def release_event(data: ReleasePublished, event_id: str | None = None) -> Event[ReleasePublished]:
    return Event(
        id=event_id or f"test-{data.release_id}",
        source="/tests",
        type=RELEASE_PUBLISHED,
        subject=data.release_id,
        actor="ministry:test",
        data=data,
    )


def demo_group_release(release_id: str = "demo-groups") -> ReleasePublished:
    """A major/medium/minor group chain for an empty catalogue."""
    return release(
        release_id,
        occupation("8-00-00-00", "测试大类(demo)", 1),
        occupation("8-99-00-00", "测试中类(demo)", 2),
        occupation("8-99-01-00", "测试小类(demo)", 3),
    )
