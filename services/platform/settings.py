"""Settings from environment variables, in one typed struct."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import msgspec


class SettingsError(ValueError):
    pass


def _from_text(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(f"no conversion to {kind}")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str | None = None
    nats_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".skillsreg")
    subject_root: str = "skills"
    log_level: str = "INFO"
    # `auto`: readable lines at a terminal, JSON lines otherwise (a log collector, a pipe).
    log_format: Literal["auto", "json", "console"] = "auto"
    # HTTP worker processes sharing the listening socket, beside one process for consumers,
    # relays and start-up work. Unset: one per core; 0: everything in one process.
    http_workers: Annotated[int, msgspec.Meta(ge=0, le=64)] | None = None
    consumer_batch: int = 64
    # Fetch loops per durable consumer in each process (each applies its own batches).
    consumer_workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    consumer_max_deliver: int = 5
    consumer_ack_wait: float = 30.0
    # Readiness fails when a consumer has messages waiting and made no progress this long.
    consumer_stall_seconds: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    # The replica a process reports readiness for (default: host name and process group, which
    # every process one `skillsreg serve` starts shares).
    instance: str = ""
    max_request_bytes: int = 8 * 1024 * 1024
    # How long a submission waits for JetStream to acknowledge its event before answering 503.
    publish_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 5.0
    load_baseline: bool = True
    baseline_csv: Path = Path(__file__).resolve().parents[2] / "data" / "csco22.csv"
    db_pool_max: int = 10
    stream_replicas: int = 1
    # Fixed ports for the embedded servers of `make run`, so the CLI and psql can find them.
    embedded_pg_port: int = 15432
    embedded_nats_port: int = 14222
    # HMAC-SHA256 key for national IDs (ratings stores only the keyed hash + last 4 chars).
    # The default is for development only: set SKILLSREG_ID_HASH_KEY to a secret in every real
    # deployment, and keep it: changing it makes stored hashes unreachable by ID look-ups.
    id_hash_key: str = "dev-only-id-hash-key-not-secret"
    # Public certificate verification: requests per minute per client address.
    verify_rate_per_minute: int = 120
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For / Forwarded
    # headers name the client; from any other peer those headers are ignored.
    trusted_proxies: str = ""
    # Open-data exports: where the files go (default <data_dir>/exports), how often a
    # scheduled export runs, in hours (the first at start-up when none exists; 0 = only on
    # demand), and how many complete runs are kept (older ones are deleted).
    export_dir: str = ""
    export_interval: Annotated[float, msgspec.Meta(ge=0)] = 24.0
    export_keep: Annotated[int, msgspec.Meta(ge=1)] = 7

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        known = {
            "database_url": env.get("DATABASE_URL"),
            "nats_url": env.get("NATS_URL"),
        }
        for field in msgspec.structs.fields(cls):
            key = f"SKILLSREG_{field.name.upper()}"
            if key in env:
                known[field.name] = env[key]
        values = {k: v for k, v in known.items() if v not in (None, "")}
        try:
            return msgspec.convert(values, cls, strict=False, dec_hook=_from_text)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"invalid setting: {exc}") from exc

    def resolved(self) -> Settings:
        """URLs from the environment, else those of the embedded servers `make run` starts."""
        return self.with_urls(
            self.database_url
            or f"postgresql://postgres@127.0.0.1:{self.embedded_pg_port}/skillsreg",
            self.nats_url or f"nats://127.0.0.1:{self.embedded_nats_port}",
        )

    def http_processes(self) -> int:
        """HTTP worker processes to start (0: serve in this one process)."""
        if self.http_workers is not None:
            return self.http_workers
        return len(os.sched_getaffinity(0))

    def with_urls(self, database_url: str, nats_url: str) -> Settings:
        return msgspec.structs.replace(self, database_url=database_url, nats_url=nats_url)
