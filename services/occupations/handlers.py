"""Use cases of the occupations context: apply a published release."""

from __future__ import annotations

import hashlib

import msgspec

from schemas.envelope import Event
from schemas.occupations import (
    CATALOGUE_CHANGED,
    CatalogueChanged,
    OccupationState,
    ReleasePublished,
)
from services.platform import outbox
from services.platform.consumer import Rejected
from services.platform.db import Connection

from . import store
from .domain import ancestors_of, check_items


def content_hash(release: ReleasePublished) -> str:
    return hashlib.sha256(msgspec.json.encode(release)).hexdigest()


async def apply_release(conn: Connection, event: Event[ReleasePublished]) -> None:
    """All items or none: the consumer runs this inside one savepoint of its batch."""
    release = event.data
    digest = content_hash(release)
    applied = await store.release_hash(conn, release.release_id)
    if applied == digest:
        return  # the same release again: nothing to do
    if applied is not None:
        raise Rejected(
            f"release {release.release_id} was already applied with different content; "
            "publish corrections as a new release"
        )
    codes = {item.code for item in release.items}
    codes |= {group for code in list(codes) for group in ancestors_of(code)}
    known = await store.existing_levels(conn, sorted(codes))
    parents, problems = check_items(release.items, known, strict=release.kind != "baseline")
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise Rejected(f"release {release.release_id} refused: {shown}{more}")
    revision = await store.insert_release(
        conn, release, content_hash=digest, event_id=event.id, actor=event.actor
    )
    await store.insert_occupations(conn, release.release_id, release.items, parents)
    changed = CatalogueChanged(
        release_id=release.release_id,
        revision=revision,
        published_on=release.published_on,
        changes=[
            OccupationState(
                code=i.code, level=i.level, name_zh=i.name_zh, name_en=i.name_en, tags=i.tags
            )
            for i in release.items
        ],
    )
    await outbox.enqueue(
        conn,
        "occupations",
        Event(
            id=f"catalogue:{release.release_id}",
            source="/occupations",
            type=CATALOGUE_CHANGED,
            subject=release.release_id,
            actor=event.actor,
            data=changed,
        ),
    )
