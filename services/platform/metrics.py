"""Prometheus metrics the platform records (HTTP metrics come from Litestar's plugin)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_HANDLED = Counter(
    "skillsreg_events_handled_total",
    "Events taken from JetStream by a consumer, by outcome.",
    ["consumer", "outcome"],
)
BATCH_SECONDS = Histogram(
    "skillsreg_consumer_batch_seconds",
    "Time to apply one fetched batch in one Postgres transaction.",
    ["consumer"],
)
EVENTS_PUBLISHED = Counter(
    "skillsreg_events_published_total",
    "Events published to JetStream (API and outbox relay), by canonical subject and whether "
    "the server dropped it as a duplicate.",
    ["subject", "duplicate"],
)
OUTBOX_RELAYED = Counter(
    "skillsreg_outbox_relayed_total", "Outbox rows published to JetStream.", ["schema"]
)
CONSUMER_HEALTHY = Gauge(
    "skillsreg_consumer_healthy",
    "1 while the consumer can reach Postgres and NATS.",
    ["consumer"],
    # With several processes (Prometheus multiprocess mode): the lowest of those running, so a
    # process that died leaves no stale 1 behind.
    multiprocess_mode="livemin",
)
CONSUMER_RESTARTS = Counter(
    "skillsreg_consumer_restarts_total",
    "Fetch loops (and other background tasks) that died and were started again.",
    ["task"],
)
