"""Statement triggers that bump a schema's row of `platform.read_model_version` (migration
platform_0005): a migration adding a table to a cached schema (occupations, competitions,
labour) runs `op.execute(read_model_triggers("<schema>"))` after creating it."""

# The bus's tables, and the labour statistics' own cache (written by reads): no read is
# served from them.
NOT_READ = (
    "inbox",
    "outbox",
    "dead_letter",
    "idempotency_key",
    "statistics_table",
    "statistics_version",
)


def read_model_triggers(schema: str) -> str:
    """SQL: the trigger on every table of `schema` that has none yet, but the bus's own."""
    skipped = ", ".join(f"'{name}'" for name in NOT_READ)
    return f"""
    DO $$
    DECLARE t text;
    BEGIN
        FOR t IN SELECT tablename FROM pg_tables
            WHERE schemaname = '{schema}' AND tablename NOT IN ({skipped})
            AND NOT EXISTS (
                SELECT 1 FROM pg_trigger
                WHERE tgname = 'read_model_changed'
                AND tgrelid = format('%I.%I', '{schema}', tablename)::regclass
            )
        LOOP
            EXECUTE format(
                'CREATE TRIGGER read_model_changed AFTER INSERT OR UPDATE OR DELETE '
                'OR TRUNCATE ON %I.%I FOR EACH STATEMENT '
                'EXECUTE FUNCTION platform.bump_read_model()', '{schema}', t);
        END LOOP;
    END $$;
    """
