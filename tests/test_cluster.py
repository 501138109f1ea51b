"""A real 3-node JetStream cluster (streams R3, `sync_interval: always`, the shipped per-service
NATS users): one node is SIGKILLed mid-ingest, and nothing is lost or applied twice.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import APIError

from schemas.occupations import CATALOGUE_CHANGED, RELEASE_PUBLISHED
from services.competitions import SERVICE as COMPETITIONS
from services.occupations import SERVICE as OCCUPATIONS
from services.platform.bus import Bus, BusUnavailable
from services.platform.embedded import EmbeddedNats, free_port
from services.platform.runtime import Runtime, Service
from services.platform.settings import Settings
from services.ratings import SERVICE as RATINGS

from .harness import eventually, settings_for
from .releases import occupation, release, release_event

DEPLOY_NATS = Path(__file__).resolve().parents[1] / "deploy" / "nats"
USERS = ("occupations", "ratings", "competitions", "labour", "web", "operator")
STREAM = "SKILLS_OCCUPATIONS"
GROUPS = 30  # invented minor groups 8-99-01-00 … 8-99-30-00
RELEASES = 300  # one invented occupation each, 10 per group


@dataclass
class Node:
    name: str
    port: int
    route_port: int
    root: Path
    proc: subprocess.Popen[bytes] | None = None

    def url(self, user: str, password: str) -> str:
        return f"nats://{user}:{password}@127.0.0.1:{self.port}"


@dataclass
class Cluster:
    root: Path
    nodes: list[Node] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)

    def start(self) -> Cluster:
        self.passwords = {user: secrets.token_hex(12) for user in USERS}
        env = os.environ | {f"NATS_{u.upper()}_PASSWORD": p for u, p in self.passwords.items()}
        self.nodes = [
            Node(f"n{i}", free_port(), free_port(), self.root / f"n{i}") for i in (1, 2, 3)
        ]
        routes = ", ".join(f"nats-route://127.0.0.1:{n.route_port}" for n in self.nodes)
        for node in self.nodes:
            node.root.mkdir(parents=True)
            # The users and permissions we ship, unchanged.
            (node.root / "auth.conf").write_text((DEPLOY_NATS / "auth.conf").read_text())
            (node.root / "nats.conf").write_text(
                f"server_name: {node.name}\nhost: 127.0.0.1\nport: {node.port}\n"
                "max_payload: 8MB\n"
                f'jetstream {{\n  store_dir: "{node.root / "js"}"\n  sync_interval: always\n}}\n'
                f"cluster {{\n  name: skillsreg-test\n  host: 127.0.0.1\n"
                f"  port: {node.route_port}\n  routes: [{routes}]\n}}\n"
                "include ./auth.conf\n"
            )
            with open(node.root / "nats.log", "ab") as log:
                node.proc = subprocess.Popen(
                    [EmbeddedNats.binary(), "-c", str(node.root / "nats.conf")],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
        return self

    def url(self, node: Node, user: str) -> str:
        return node.url(user, self.passwords[user])

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def kill(self, node: Node) -> None:
        assert node.proc is not None
        node.proc.send_signal(signal.SIGKILL)  # no goodbye: like pulling the plug
        node.proc.wait(10)

    def stop(self) -> None:
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGKILL)
                node.proc.wait(10)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path).start()
    try:
        yield running
    finally:
        running.stop()


async def wait_for_jetstream(url: str) -> None:
    """Until the cluster has a meta leader and answers JetStream requests (bounded)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            nc = await nats.connect(url, connect_timeout=1, max_reconnect_attempts=0)
            try:
                await nc.jetstream(timeout=1).account_info()
                return
            finally:
                await nc.close()
        except (NatsError, APIError, OSError) as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"JetStream cluster not ready: {exc!r}") from exc
            await asyncio.sleep(0.2)


async def publish_until_acknowledged(bus: Bus, events: list, deadline: float) -> int:
    """Publish each event until the cluster acknowledges it; retries keep the same Msg-Id."""
    retries = 0
    for event in events:
        while True:
            try:
                await bus.publish(event)
                break
            except (NatsError, APIError, OSError, BusUnavailable):
                retries += 1
                assert time.monotonic() < deadline, "publishing did not resume after failover"
                await asyncio.sleep(0.1)
    return retries


@pytest.fixture
async def db(empty_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(empty_database_url)
    yield conn
    await conn.close()


async def test_node_killed_mid_ingest_loses_and_duplicates_nothing(
    cluster: Cluster, empty_database_url: str, db: asyncpg.Connection
) -> None:
    n1, n2, n3 = cluster.nodes
    await wait_for_jetstream(cluster.url(n1, "operator"))

    def settings(node: Node, service: Service) -> Settings:
        return settings_for(
            empty_database_url,
            cluster.url(node, service.name),  # each service as its own NATS user
            subject_root="skills",  # the subjects the shipped permissions name
            stream_replicas=3,
            consumer_batch=16,
            consumer_ack_wait=3.0,
        )

    # Two replicas of the occupations service share its durable consumer, on different nodes;
    # ratings and competitions keep their own copies of the codes from catalogue.changed.
    layout = [(n1, OCCUPATIONS), (n2, OCCUPATIONS), (n3, RATINGS), (n2, COMPETITIONS)]
    replicas = [await Runtime.open(settings(n, s), [s]) for n, s in layout]
    operator = await nats.connect(cluster.url(n3, "operator"))
    publisher: Bus | None = None
    try:
        js = operator.jetstream(timeout=5)
        info = await js.stream_info(STREAM)
        assert info.config.num_replicas == 3 and info.cluster is not None
        leader = cluster.node(str(info.cluster.leader))

        # The shipped permissions hold: the occupations user may not delete its own stream.
        service = await nats.connect(cluster.url(n1, "occupations"), max_reconnect_attempts=0)
        with pytest.raises(NatsTimeout):
            await service.request(f"$JS.API.STREAM.DELETE.{STREAM}", b"", timeout=1)
        await service.close()
        assert (await js.stream_info(STREAM)).config.name == STREAM

        for runtime in replicas:
            runtime.start_background()
        # The publisher talks to the stream leader, the node that will die.
        publisher = await Bus.connect(cluster.url(leader, "occupations"), root="skills")
        publisher.js = publisher.nc.jetstream(timeout=2)  # fail fast, then retry
        groups = release(
            "invented-cluster-groups",
            occupation("8-00-00-00", "虚构大类(集群测试)", 1),
            occupation("8-99-00-00", "虚构中类(集群测试)", 2),
            *(occupation(f"8-99-{g:02d}-00", f"虚构小类{g}(集群测试)", 3) for g in range(1, 31)),
        )
        await publisher.publish(release_event(groups))
        applied = "SELECT count(*) FROM occupations.release"
        await eventually(lambda: db.fetchval(applied), until=lambda n: n == 1)

        events = [
            release_event(
                release(
                    f"invented-cluster-{n:03d}",
                    occupation(f"8-99-{n % GROUPS + 1:02d}-{n // GROUPS + 1:02d}"),
                )
            )
            for n in range(RELEASES)
        ]
        deadline = time.monotonic() + 40
        # One release that can never apply (its minor group does not exist): dead-lettered.
        poison = release_event(release("invented-cluster-orphan", occupation("8-98-01-01")))
        retries = await publish_until_acknowledged(publisher, [poison, *events[:100]], deadline)
        cluster.kill(leader)
        retries += await publish_until_acknowledged(publisher, events[100:], deadline)
        # Publishing again what may have landed before the kill is what a client would do.
        retries += await publish_until_acknowledged(publisher, events[95:100], deadline)

        await eventually(
            lambda: db.fetchval(applied), until=lambda n: n == RELEASES + 1, timeout=30
        )
        copied = """SELECT (SELECT count(*) FROM ratings.occupation WHERE level = 4),
            (SELECT count(*) FROM competitions.occupation WHERE code NOT LIKE '%-00')"""
        copies = await eventually(
            lambda: db.fetchrow(copied), until=lambda r: tuple(r) == (RELEASES, RELEASES)
        )
        survivor = next(n for n in cluster.nodes if n is not leader)
        await operator.close()
        operator = await nats.connect(cluster.url(survivor, "operator"))
        js = operator.jetstream(timeout=5)

        async def log_counts() -> dict[str, int]:
            info = await js.stream_info(STREAM, subjects_filter="skills.occupations.>")
            return dict(info.state.subjects or {})

        counts = await eventually(
            log_counts,
            until=lambda c: c.get(CATALOGUE_CHANGED) == RELEASES + 1,
            timeout=20,
        )
        dead = await eventually(
            lambda: js.stream_info("SKILLS_DEADLETTER"), until=lambda i: i.state.messages >= 1
        )
    finally:
        if publisher:
            await publisher.close()
        for runtime in replicas:
            await runtime.close()
        await operator.close()

    # The log holds every release exactly once, despite retried publishes.
    assert counts == {RELEASE_PUBLISHED: RELEASES + 2, CATALOGUE_CHANGED: RELEASES + 1}
    assert dead.state.messages == 1  # the orphan, relayed by the occupations user
    assert tuple(copies) == (RELEASES, RELEASES)
    # Postgres applied each exactly once, and nothing was refused.
    rows = await db.fetch(
        "SELECT release_id, count(*) AS n FROM occupations.release GROUP BY release_id"
    )
    assert len(rows) == RELEASES + 1 and {r["n"] for r in rows} == {1}
    codes = await db.fetchval("SELECT count(*) FROM occupations.occupation WHERE level = 4")
    assert codes == RELEASES
    refused = await db.fetch("SELECT event_id FROM occupations.dead_letter")
    assert [r["event_id"] for r in refused] == [poison.id]
    inbox = await db.fetchval("SELECT count(*) FROM occupations.inbox")
    assert inbox == RELEASES + 2
    print(f"publishes retried across the failover: {retries}")
