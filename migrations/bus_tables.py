"""The inbox, outbox and dead-letter tables every consuming service keeps in its own schema."""


def bus_tables(schema: str) -> str:
    return f"""
    CREATE TABLE {schema}.inbox (
        consumer   text        NOT NULL,
        event_id   text        NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    );
    CREATE TABLE {schema}.outbox (
        id           text        PRIMARY KEY,
        subject      text        NOT NULL,
        payload      bytea       NOT NULL,
        headers      jsonb       NOT NULL DEFAULT '{{}}',
        created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
    );
    CREATE INDEX outbox_pending ON {schema}.outbox (created_at, id) WHERE published_at IS NULL;
    CREATE TABLE {schema}.dead_letter (
        id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        consumer   text        NOT NULL,
        event_id   text        NOT NULL,
        event_type text,
        subject    text        NOT NULL,
        stream_seq bigint      NOT NULL,
        deliveries integer     NOT NULL,
        reason     text        NOT NULL,
        payload    bytea       NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (consumer, event_id)
    );
    """


def add_dead_letter_subject(schema: str, subject_field: str | None) -> None:
    """`<schema>.dead_letter.event_subject`: what a refused event is about (a release id, a batch
    id, a competition), so reads find letters without parsing payloads in SQL. Existing rows
    are filled here, in Python, from the payload's `data.<subject_field>` or envelope subject."""
    import msgspec
    from alembic import op
    from sqlalchemy import text

    op.execute(f"ALTER TABLE {schema}.dead_letter ADD COLUMN event_subject text")
    op.execute(
        f"CREATE INDEX dead_letter_subject ON {schema}.dead_letter (event_subject, id)"
        " WHERE event_subject IS NOT NULL"
    )
    bind = op.get_bind()
    rows = bind.execute(text(f"SELECT id, payload FROM {schema}.dead_letter")).fetchall()
    for row_id, payload in rows:
        subject = _subject(bytes(payload), subject_field, msgspec)
        if subject is not None:
            bind.execute(
                text(f"UPDATE {schema}.dead_letter SET event_subject = :s WHERE id = :i"),
                {"s": subject, "i": row_id},
            )


def _subject(payload: bytes, subject_field: str | None, msgspec) -> str | None:  # type: ignore[no-untyped-def]
    try:
        envelope = msgspec.json.decode(payload)
    except Exception:  # poison of any kind: no subject
        return None
    if not isinstance(envelope, dict):
        return None
    data = envelope.get("data")
    value = data.get(subject_field) if subject_field and isinstance(data, dict) else None
    value = value if isinstance(value, str) else envelope.get("subject")
    if not isinstance(value, str) or "\x00" in value:
        return None
    return value[:200]
