"""Where a submission stands."""

from __future__ import annotations

from schemas.labour import SubmissionStatus
from services.platform.db import Pool

from ..handlers import KINDS, status_url


async def submission_status(pool: Pool, submission_id: str) -> SubmissionStatus | None:
    row = await pool.fetchrow(
        """SELECT s.submission_id, s.what, s.key, s.revision,
                  EXISTS (SELECT FROM labour.publication p
                          WHERE p.event_id = s.submission_id) AS applied,
                  (SELECT reason FROM labour.dead_letter d
                   WHERE d.event_id = s.submission_id) AS refusal
        FROM labour.submission s WHERE s.submission_id = $1""",
        submission_id,
    )
    if row is None:
        return None
    kind = KINDS[row["what"]]
    status, detail = "pending", "accepted; waiting to be applied"
    if row["applied"]:
        status, detail = "applied", ""
    elif row["refusal"] is not None:
        status, detail = "refused", "nothing of this publication was applied"
    return SubmissionStatus(
        submission_id=submission_id,
        what=row["what"],
        key=row["key"],
        revision=row["revision"],
        status=status,  # type: ignore[arg-type]
        status_url=status_url(submission_id),
        resource_url=kind.resource(row["key"]),
        detail=detail,
        reason=row["refusal"],
    )
