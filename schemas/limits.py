"""Integer bounds of the columns contracts are stored in, so schemas and OpenAPI show them and
no number reaches Postgres that its column cannot hold."""

from __future__ import annotations

from typing import Annotated

import msgspec

INT32_MAX = 2**31 - 1  # Postgres integer
INT64_MAX = 2**63 - 1  # Postgres bigint

# A revision, an edition, a place: stored as integer.
PositiveInt32 = Annotated[int, msgspec.Meta(ge=1, le=INT32_MAX)]
# Keyset cursors over bigint identity columns.
Cursor64 = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
