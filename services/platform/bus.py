"""The event bus: JetStream streams, publishing with server-side dedupe, subject naming."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from schemas.envelope import Event

from .logs import get_logger
from .metrics import EVENTS_PUBLISHED

log = get_logger(__name__)

CANONICAL_ROOT = "skills"
DEAD_LETTER = "deadletter"
MIN_SERVER = (2, 10)


class BusUnavailable(RuntimeError):
    """NATS cannot take events now. `maybe_stored`: the publish went out but no acknowledgement
    came back in time, so the event may yet be in the stream (a resend with the same id is
    dropped by the server as a duplicate)."""

    def __init__(self, message: str, *, maybe_stored: bool = False) -> None:
        super().__init__(message)
        self.maybe_stored = maybe_stored


# Publishing errors that mean "not now" rather than "never": the client may resend.
_UNREACHABLE = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
)


class EventTooLarge(ValueError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"event is {size} bytes; the bus accepts at most {limit} bytes per event")
        self.size = size
        self.limit = limit


def nats_servers(url: str) -> tuple[list[str], dict[str, str]]:
    """`nats://user:pass@a:4222,nats://b:4222` -> the servers without secrets, and the auth.

    Credentials go in as connect options, because nats-py applies a URL's own credentials to
    that URL only, not to the cluster nodes it discovers and fails over to.
    """
    servers: list[str] = []
    auth: dict[str, str] = {}
    for part in url.split(","):
        parts = urlsplit(part.strip())
        if parts.username and parts.password is not None:
            auth = {"user": unquote(parts.username), "password": unquote(parts.password)}
        elif parts.username:
            auth = {"token": unquote(parts.username)}
        host = parts.netloc.rpartition("@")[2]
        servers.append(urlunsplit((parts.scheme, host, parts.path, parts.query, "")))
    return servers, auth


@dataclass(frozen=True, slots=True)
class Published:
    stream: str
    seq: int
    duplicate: bool


class Bus:
    """One NATS connection and its JetStream context, namespaced by `subject_root`.

    Events name their canonical subject in `type` (`skills.<context>.<entity>.<verb>`); a
    deployment (or a test session) may run under another root so several share one server.
    """

    def __init__(
        self,
        nc: NATS,
        *,
        root: str = CANONICAL_ROOT,
        replicas: int = 1,
        publish_timeout: float = 5.0,
    ) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream(timeout=10)
        self.root = root
        self.replicas = replicas
        self.publish_timeout = publish_timeout
        # Set while we close the connection ourselves, so that is not reported as a fault.
        self.closing = False

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        root: str = CANONICAL_ROOT,
        replicas: int = 1,
        first_connect_timeout: float = 10.0,
        publish_timeout: float = 5.0,
    ) -> Bus:
        servers, auth = nats_servers(url)
        shown = ",".join(servers)  # never log the credentials
        made: list[Bus] = []

        async def on_disconnect() -> None:
            if not (made and made[0].closing):
                log.warning("nats disconnected", url=shown)

        async def on_reconnect() -> None:
            log.info("nats reconnected", url=shown)

        async def on_error(exc: Exception) -> None:
            log.warning("nats error", error=str(exc))

        try:
            # With unlimited reconnects nats-py retries a first connect forever; bound it.
            connecting = nats.connect(
                servers,
                **auth,
                connect_timeout=3,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect,
                error_cb=on_error,
                name="skillsreg",
            )
            nc = await asyncio.wait_for(connecting, timeout=first_connect_timeout)
        except Exception as exc:  # nats-py raises several unrelated types on first connect
            raise BusUnavailable(
                f"cannot reach NATS at {shown}: {exc or type(exc).__name__}"
            ) from exc
        version = nc.connected_server_version
        if (version.major, version.minor) < MIN_SERVER:
            await nc.close()
            # Older servers ignore multi-subject consumer filters, so a consumer would be handed
            # events it does not route; JetStream `sync_interval` also needs 2.10.
            raise BusUnavailable(
                f"NATS at {shown} is {version}; skillsreg needs nats-server 2.10 or newer"
            )
        made.append(cls(nc, root=root, replicas=replicas, publish_timeout=publish_timeout))
        return made[0]

    async def close(self) -> None:
        # Consumers have stopped and acked by now; a drain would only wait on idle fetches.
        self.closing = True
        if not self.nc.is_closed:
            if self.nc.is_connected:
                await self.nc.flush(timeout=2)
            await self.nc.close()

    # -- naming -----------------------------------------------------------------------------

    def subject(self, canonical: str) -> str:
        """The NATS subject for a canonical `skills.…` subject under this bus's root."""
        head, _, rest = canonical.partition(".")
        if head != CANONICAL_ROOT:
            raise ValueError(f"subject {canonical!r} must start with {CANONICAL_ROOT!r}")
        return f"{self.root}.{rest}"

    def canonical(self, subject: str) -> str:
        _, _, rest = subject.partition(".")
        return f"{CANONICAL_ROOT}.{rest}"

    def stream_name(self, context: str) -> str:
        return f"{self.root}_{context}".upper().replace(".", "_").replace("-", "_")

    def dead_letter_subject(self, context: str, consumer: str) -> str:
        return f"{CANONICAL_ROOT}.{DEAD_LETTER}.{context}.{consumer}"

    # -- streams ----------------------------------------------------------------------------

    async def ensure_stream(self, context: str) -> str:
        """Create or update the stream holding `skills.<context>.>`; safe to call on every start."""
        name = self.stream_name(context)
        config = StreamConfig(
            name=name,
            subjects=[f"{self.root}.{context}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=self.replicas,
            duplicate_window=600.0,
            max_msg_size=-1,
            description=f"skillsreg {context} events",
        )
        try:
            await self.js.add_stream(config)
        except BadRequestError:
            # Exists with another config: bring it to ours (subjects and replicas may change).
            await self.js.update_stream(config)
        return name

    async def ensure_streams(self, contexts: list[str]) -> None:
        for context in [*contexts, DEAD_LETTER]:
            await self.ensure_stream(context)

    # -- publishing -------------------------------------------------------------------------

    async def publish(self, event: Event[Any]) -> Published:
        return await self.publish_bytes(event.type, msgspec.json.encode(event), msg_id=event.id)

    async def publish_bytes(
        self,
        canonical_subject: str,
        payload: bytes,
        *,
        msg_id: str,
        headers: dict[str, str] | None = None,
    ) -> Published:
        """Publish and wait (at most `publish_timeout`) for JetStream's acknowledgement; raise
        BusUnavailable at once when disconnected, so no caller hangs on a reconnecting client."""
        limit = self.nc.max_payload
        if len(payload) > limit:
            raise EventTooLarge(len(payload), limit)
        if not self.nc.is_connected:
            raise BusUnavailable("not connected to NATS; nothing was published")
        try:
            ack = await self.js.publish(
                self.subject(canonical_subject),
                payload,
                timeout=self.publish_timeout,
                headers={**(headers or {}), "Nats-Msg-Id": msg_id},
            )
        except (TimeoutError, nats.errors.TimeoutError) as exc:
            raise BusUnavailable(
                f"no acknowledgement from JetStream within {self.publish_timeout:g} s",
                maybe_stored=True,
            ) from exc
        except _UNREACHABLE as exc:
            raise BusUnavailable(f"JetStream unavailable: {type(exc).__name__}") from exc
        duplicate = bool(ack.duplicate)
        EVENTS_PUBLISHED.labels(canonical_subject, "true" if duplicate else "false").inc()
        if duplicate:
            log.info("duplicate publish ignored by the server", msg_id=msg_id)
        return Published(stream=ack.stream, seq=ack.seq, duplicate=duplicate)

    async def ready(self) -> bool:
        if not self.nc.is_connected:
            return False
        try:
            await self.js.account_info()
        except Exception:
            return False
        return True
