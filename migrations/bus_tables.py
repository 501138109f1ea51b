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
