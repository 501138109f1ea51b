"""A 3-node JetStream cluster, streams R3, fsync always, vs one node (R1) in the same run.

1. `Bus.publish` one at a time (one client awaiting each ack): R3 cluster vs R1 single node.
2. The same with 16 publishes in flight.
3. How long publishing pauses when the stream leader is SIGKILLed (leader election).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from schemas.envelope import Event
from services.platform.bus import Bus
from services.platform.embedded import EmbeddedNats, free_port

from .report import Report, Result

STREAM_CONTEXT = "benchcluster"


def start_cluster(root: Path) -> tuple[list[int], list[subprocess.Popen[bytes]]]:
    ports = [(free_port(), free_port()) for _ in range(3)]
    routes = ", ".join(f"nats-route://127.0.0.1:{route}" for _, route in ports)
    procs = []
    for n, (port, route) in enumerate(ports, start=1):
        node = root / f"n{n}"
        node.mkdir(parents=True)
        (node / "nats.conf").write_text(
            f"server_name: n{n}\nhost: 127.0.0.1\nport: {port}\nmax_payload: 8MB\n"
            f'jetstream {{\n  store_dir: "{node / "js"}"\n  sync_interval: always\n}}\n'
            f"cluster {{\n  name: bench\n  host: 127.0.0.1\n  port: {route}\n"
            f"  routes: [{routes}]\n}}\n"
        )
        log = open(node / "nats.log", "ab")  # noqa: SIM115 - lives as long as the server
        procs.append(
            subprocess.Popen(
                [EmbeddedNats.binary(), "-c", str(node / "nats.conf")],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return [port for port, _ in ports], procs


async def open_bus(url: str, replicas: int) -> Bus:
    """Connect and create the stream, waiting (bounded) for the cluster to elect leaders."""
    deadline = time.monotonic() + 30
    while True:
        try:
            bus = await Bus.connect(url, root="bench", replicas=replicas)
            await bus.ensure_stream(STREAM_CONTEXT)
            return bus
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


def event(n: int, tag: str) -> Event[dict[str, object]]:
    return Event(
        id=f"{tag}-{n}",
        source="/bench",
        type=f"skills.{STREAM_CONTEXT}.sample.created",
        data={"n": n, "pad": "x" * 480},
    )


async def publish_rate(bus: Bus, count: int, tag: str, in_flight: int) -> float:
    started = time.perf_counter()
    for first in range(0, count, in_flight):
        last = min(first + in_flight, count)
        await asyncio.gather(*(bus.publish(event(n, tag)) for n in range(first, last)))
    return count / (time.perf_counter() - started)


async def failover_pause(bus: Bus, procs: list[subprocess.Popen[bytes]]) -> float:
    info = await bus.js.stream_info(bus.stream_name(STREAM_CONTEXT))
    leader = int(str(info.cluster.leader if info.cluster else "n1")[1:]) - 1
    bus.js = bus.nc.jetstream(timeout=1)
    procs[leader].send_signal(signal.SIGKILL)
    procs[leader].wait(10)
    started, n = time.perf_counter(), 0
    while time.perf_counter() - started < 60:
        n += 1
        try:
            await bus.publish(event(n, "failover"))
            return time.perf_counter() - started
        except Exception:
            await asyncio.sleep(0.05)
    raise RuntimeError("publishing did not resume within 60 s")


async def main(args: argparse.Namespace) -> None:
    report = Report("cluster: 3-node JetStream R3 vs one node R1 (fsync always)")
    with tempfile.TemporaryDirectory(prefix="skillsreg-bench-cluster-") as tmp:
        root = Path(tmp)
        single = EmbeddedNats(root / "single")
        single.start()
        ports, procs = start_cluster(root / "cluster")
        try:
            print(f"[cluster] {args.messages} publishes each, 512-byte payloads")
            r1 = await open_bus(single.url, 1)
            r3 = await open_bus(f"nats://127.0.0.1:{ports[0]}", 3)
            for in_flight in (1, 16):
                label = "one at a time" if in_flight == 1 else f"{in_flight} in flight"
                base = await publish_rate(r1, args.messages, f"r1-{in_flight}", in_flight)
                ours = await publish_rate(r3, args.messages, f"r3-{in_flight}", in_flight)
                report.add(
                    Result(f"R3 publish, {label}", ours, "msg/s", f"R1 one node, {label}", base)
                )
            pause = await failover_pause(r3, procs)
            report.add(Result("publish pause when the leader dies", pause, "s"))
            await r1.close()
            await r3.close()
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(10)
            single.stop()
    report.print()
    report.save("cluster")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
