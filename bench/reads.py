"""Public reads under load (wrk), beside a bare Litestar handler and a naive peer, same run.

Three servers, all uvicorn + uvloop + httptools on loopback:

- *bare*: one Litestar handler returning a msgspec Struct (one process, the framework ceiling);
- *naive peer*: a 40-line Litestar + asyncpg app (one process) doing one primary-key `SELECT`
  on the project's own `occupations.occupation` (and `ratings.certificate`) tables, and for
  the 50-number verification one `SELECT … WHERE number = any($1)` (same request body);
- the service as `make run` starts it (`python -m services`: HTTP workers = cores, consumers
  in a process of their own, the demo data loaded through the bus), certificate verification's
  rate limit off (`SKILLSREG_VERIFY_RATE_PER_MINUTE=0`).

Each read is driven by `wrk -t2 -c32 -d<seconds>s --latency` (Debian package `wrk`; a Python
client would eat the cores it measures); the table gives req/s, p99 and both ratios, and the
largest RSS seen of each service process. Certificates: `--certificates N` SYNTHETIC
certificates (invented holders, numbers of the demo school, exam year 2025) are written with
COPY straight into `ratings.certificate`, beside the demo batch's; verification reads them
like any other. `--profile NAME` records the service's first HTTP worker with py-spy during
that read and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import psutil
from litestar import Litestar, get, post
from litestar.exceptions import NotFoundException

from services.platform.embedded import free_port
from services.ratings.domain import certificate_numbers

from .report import Report, Result
from .servers import BenchServers, ServiceProcess, bench_servers, wait_ready

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
OCCUPATION = "6-18-01-07"


# -- the two peers: run as `uvicorn --factory bench.reads:bare_app` (and `naive_app`) ---------


class Occupation(msgspec.Struct):
    code: str
    level: int
    name_zh: str
    name_en: str | None
    definition: str | None


class Certificate(msgspec.Struct):
    number: str
    name: str
    occupation_code: str
    level: str
    issued_on: date
    revoked: bool


class Number(msgspec.Struct):
    number: str


class Numbers(msgspec.Struct):
    items: list[Number]


SAMPLE = Occupation("6-18-01-07", 4, "数控车工", "CNC lathe operator", "操作数控车床……")


@get("/bare", sync_to_thread=False)
def bare() -> Occupation:
    return SAMPLE


def bare_app() -> Litestar:
    return Litestar([bare], logging_config=None)


def naive_app() -> Litestar:
    pool: dict[str, Any] = {}

    async def connect(app: Litestar) -> None:
        pool["db"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], max_size=10)

    @get("/occupations/{code:str}")
    async def occupation(code: str) -> Occupation:
        row = await pool["db"].fetchrow(
            "SELECT code, level, name_zh, name_en, definition FROM occupations.occupation "
            "WHERE code = $1",
            code,
        )
        if row is None:
            raise NotFoundException()
        return Occupation(**dict(row))

    @get("/certificates/{number:str}")
    async def certificate(number: str) -> Certificate:
        row = await pool["db"].fetchrow(
            "SELECT number, name, occupation_code, level, issued_on, revoked_at IS NOT NULL "
            "AS revoked FROM ratings.certificate WHERE number = $1 AND year = $2",
            number,
            int(number[:4]),
        )
        if row is None:
            raise NotFoundException()
        return Certificate(**dict(row))

    @post("/certificates/verify", status_code=200)
    async def verify(data: Numbers) -> list[Certificate]:
        numbers = [i.number for i in data.items]
        rows = await pool["db"].fetch(
            "SELECT number, name, occupation_code, level, issued_on, revoked_at IS NOT NULL "
            "AS revoked FROM ratings.certificate WHERE number = any($1) AND year = $2",
            numbers,
            int(numbers[0][:4]),
        )
        return [Certificate(**dict(row)) for row in rows]

    return Litestar([occupation, certificate, verify], on_startup=[connect], logging_config=None)


# -- wrk -------------------------------------------------------------------------------------


@dataclass
class Run:
    rate: float  # req/s
    p99: float  # ms
    bad: int  # non-2xx/3xx answers and socket errors


LATENCY = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, connections: int, body: bytes | None = None) -> Run:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    with tempfile.TemporaryDirectory() as tmp:
        if body is not None:
            script = Path(tmp) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = [==[{body.decode()}]==]\n"
            )
            command[1:1] = ["-s", str(script)]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = LATENCY.search(out).groups()  # type: ignore[union-attr]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    bad += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Run(rate, float(value) * UNITS[unit], bad)


@contextmanager
def uvicorn(factory: str, port: int, database_url: str) -> Iterator[None]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"bench.reads:{factory}",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": database_url},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(10)


# -- data ------------------------------------------------------------------------------------


async def wait_for_demo(base: str, timeout: float = 300) -> None:
    """Until the demo's catalogue and competitions are applied and the first export (which
    `make run` writes at start, reading every list) is done, so it does not share the cores."""
    probes = [f"/occupations/{OCCUPATION}", "/competitions/WSC2024/medal-table", "/exports"]
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        await wait_ready(client, timeout)
        while True:
            answers = [await client.get(p) for p in probes]
            loaded = all(a.status_code == 200 for a in answers) and answers[1].json().get("rows")
            if loaded and answers[2].json().get("latest"):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"demo data not loaded: {[a.status_code for a in answers]}")
            await asyncio.sleep(1)


async def certificates_loaded(db: asyncpg.Connection, timeout: float = 300) -> list[str]:
    deadline = time.monotonic() + timeout
    while not (rows := await db.fetch("SELECT number FROM ratings.certificate LIMIT 5")):
        if time.monotonic() > deadline:
            raise TimeoutError("the demo batch's certificates were not issued")
        await asyncio.sleep(1)
    return [r["number"] for r in rows]


async def synthetic_certificates(db: asyncpg.Connection, count: int) -> list[str]:
    """`count` SYNTHETIC certificates of the demo school, exam year 2025, by COPY."""
    if count <= 0:
        return []
    body_id, body_no = await db.fetchrow(
        "SELECT body_id, body_no FROM ratings.body WHERE kind <> 'competition' ORDER BY body_no"
    )
    first = 5_000_000  # far above the serials the demo batch took
    chunk = 200_000
    started = time.perf_counter()
    sample: list[str] = []
    for start in range(0, count, chunk):
        numbers = certificate_numbers(2025, body_no, first + start, min(chunk, count - start))
        sample += numbers[:: max(1, len(numbers) // 50)]
        records = [
            (
                n,
                f"bench-person-{n}",
                "0000",
                "示例合成",
                "4-04-05-01",
                "senior",
                body_id,
                "assessment",
                "bench-synthetic",
                date(2025, 6, 1),
                date(2025, 6, 20),
                2025,
            )
            for n in numbers
        ]
        await db.copy_records_to_table(
            "certificate",
            schema_name="ratings",
            records=records,
            columns=[
                "number",
                "person",
                "id_last4",
                "name",
                "occupation_code",
                "level",
                "body_id",
                "origin",
                "origin_id",
                "exam_date",
                "issued_on",
                "year",
            ],
        )
    await db.execute("ANALYZE ratings.certificate")
    print(
        f"[reads] {count:,} synthetic certificates copied in {time.perf_counter() - started:.0f}s"
    )
    return sample


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Read:
    name: str
    path: str
    body: bytes | None = None
    html: bool = False


def reads(numbers: list[str]) -> list[Read]:
    verify = msgspec.json.encode({"items": [{"number": n} for n in (numbers * 50)[:50]]})
    return [
        Read("GET /occupations/{code}", f"/occupations/{OCCUPATION}"),
        Read("GET /occupations?q=数控", "/occupations?q=%E6%95%B0%E6%8E%A7"),
        Read("GET /occupations?q=lathe (English)", "/occupations?q=lathe"),
        Read("GET /occupations?prefix=6-18 (prefix)", "/occupations?prefix=6-18"),
        Read("GET /competitions/WSC2024/medal-table", "/competitions/WSC2024/medal-table"),
        Read("GET /members/CN/history", "/members/CN/history"),
        Read("GET /skills/history?number=10 (skill)", "/skills/history?number=10"),
        Read("GET /competitors/{id}/history", ""),  # filled in once the demo is loaded
        Read("GET /certificates/{number}", f"/certificates/{numbers[0]}"),
        Read("POST /certificates/verify (50 numbers)", "/certificates/verify", verify),
        Read("GET /zh/ (home page)", "/zh/", html=True),
        Read("GET /zh/occupations/{code} (page)", f"/zh/occupations/{OCCUPATION}", html=True),
        Read("GET /zh/competitions/WSC2024 (page)", "/zh/competitions/WSC2024", html=True),
    ]


async def competitor(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        body = (await client.get("/competitions/WSC2024/skills/10/results")).json()
    for row in body.get("results", body.get("items", [])):
        for person in row.get("competitors", []):
            if person.get("id"):
                return f"/competitors/{person['id']}/history"
    return "/competitors/unknown/history"


class Memory:
    """The largest RSS of each process of the service's tree, from its start to the end of the
    run: each process's own high-water mark (`VmHWM`), read every half second from a thread,
    so start-up, the releases and the first export count, and so do short-lived children."""

    def __init__(self, root: int) -> None:
        self.root = psutil.Process(root)
        self.peak: dict[str, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.done.wait(0.5):
            self.sample()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self.sample()

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        for proc in procs:
            try:
                name = " ".join(proc.cmdline()[2:5]) or proc.name()
                if "postgres" in name or "nats" in name:
                    continue
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except (psutil.Error, OSError):
                continue
            found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if found:
                rss = int(found.group(1)) / 1024
                self.peak[name] = max(self.peak.get(name, 0.0), rss)


@asynccontextmanager
async def service(
    servers: BenchServers, workers: int | None
) -> AsyncIterator[tuple[str, ServiceProcess]]:
    port = free_port()
    process = ServiceProcess(servers, port, service="")
    process.env.pop("SKILLSREG_HTTP_WORKERS")  # `make run`'s default: one per core
    if workers is not None:
        process.env["SKILLSREG_HTTP_WORKERS"] = str(workers)
    process.env |= {"SKILLSREG_LOAD_BASELINE": "true", "SKILLSREG_VERIFY_RATE_PER_MINUTE": "0"}
    with process:
        yield f"http://127.0.0.1:{port}", process


def profile(pid: int, seconds: int, name: str) -> None:
    """py-spy on `pid` while the read runs: the functions most often on the stack."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("  (no py-spy: pip install py-spy)")
        return
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / f"reads-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.txt"
    subprocess.run(
        [spy, "record", "-p", str(pid), "-d", str(seconds), "-f", "raw", "-o", str(raw)],
        capture_output=True,
        check=False,
    )
    if not raw.exists():
        print("  (py-spy could not attach: it needs ptrace, e.g. root)")
        return
    total, inclusive = 0, Counter[str]()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in {f.split(" (")[0] for f in stack.split(";")}:
            inclusive[frame] += int(count)
    print(f"  py-spy profile of {name} ({raw}): share of samples with the function on the stack")
    for frame, count in inclusive.most_common(25):
        print(f"    {count / total:6.1%}  {frame}")


async def main(args: argparse.Namespace) -> Report:
    if not shutil.which("wrk"):
        sys.exit("bench.reads needs wrk: apt-get install wrk (Debian/Ubuntu), brew install wrk")
    report = Report(f"public reads: wrk -t2 -c{args.connections} -d{args.seconds}s")

    def run(url: str, body: bytes | None = None) -> Run:
        return wrk(url, args.seconds, args.connections, body)

    async with bench_servers() as servers:
        db = await asyncpg.connect(servers.database_url)
        async with service(servers, args.http_workers) as (base, process):
            memory = Memory(process.proc.pid)
            await wait_for_demo(base)
            numbers = await certificates_loaded(db)
            numbers = (await synthetic_certificates(db, args.certificates))[:50] or numbers
            table = reads(numbers)
            table[7].path = await competitor(base)
            bare_port, naive_port = free_port(), free_port()
            with uvicorn("bare_app", bare_port, servers.database_url):
                bare = run(f"http://127.0.0.1:{bare_port}/bare")
            with uvicorn("naive_app", naive_port, servers.database_url):
                naive = run(f"http://127.0.0.1:{naive_port}/occupations/{OCCUPATION}")
                naive_cert = run(f"http://127.0.0.1:{naive_port}/certificates/{numbers[0]}")
                verify = next(r.body for r in table if r.body is not None)
                naive_verify = run(f"http://127.0.0.1:{naive_port}/certificates/verify", verify)
            report.add(Result("bare Litestar handler", bare.rate, "req/s", "bare", bare.rate))
            report.add(
                Result("naive peer GET /occupations/{code}", naive.rate, "req/s", "bare", bare.rate)
            )
            report.add(
                Result(
                    "naive peer GET /certificates/{number}",
                    naive_cert.rate,
                    "req/s",
                    "bare",
                    bare.rate,
                )
            )
            report.add(
                Result(
                    "naive peer POST /certificates/verify (50 numbers)",
                    naive_verify.rate,
                    "req/s",
                    "bare",
                    bare.rate,
                )
            )
            rows: list[tuple[str, Run, Run | None]] = [
                ("bare Litestar", bare, None),
                ("naive peer, occupation", naive, None),
                ("naive peer, certificate", naive_cert, None),
                ("naive peer, 50 certificates (`any($1)`)", naive_verify, None),
            ]
            for read in table:
                if args.only and not any(o in read.name for o in args.only):
                    continue
                url = base + read.path
                first = await fetch(url, read.body)  # warm: the first answer is cached
                if first.status_code != 200:
                    print(f"  {read.name}: {first.status_code} {first.text[:200]}")
                    continue
                if args.profile and args.profile in read.name:
                    # The first HTTP worker, or the one process serving everything.
                    http = [c for c in process_tree(process) if "http-1" in " ".join(c.cmdline())]
                    pid = http[0].pid if http else process.proc.pid
                    spy = asyncio.to_thread(profile, pid, args.seconds, read.name)
                    result, _ = await asyncio.gather(asyncio.to_thread(run, url, read.body), spy)
                else:
                    result = await asyncio.to_thread(run, url, read.body)
                peer = naive
                if "certificate" in read.name:
                    peer = naive_verify if read.body is not None else naive_cert
                rows.append((read.name, result, peer))
                if read.body is not None and "certificate" in read.name:
                    rows.append((f"{read.name} vs the single look-up", result, naive_cert))
                report.add(Result(read.name, result.rate, "req/s", "bare", bare.rate))
            memory.stop()
        await db.close()
    print_table(rows, bare, memory, args)
    report.save("reads")
    return report


async def fetch(url: str, body: bytes | None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        if body is None:
            return await client.get(url)
        return await client.post(url, content=body, headers={"content-type": "application/json"})


def process_tree(process: ServiceProcess) -> list[psutil.Process]:
    return psutil.Process(process.proc.pid).children(recursive=True)


def print_table(
    rows: list[tuple[str, Run, Run | None]], bare: Run, memory: Memory, args: Any
) -> None:
    print("\n| read | req/s | p99 | vs bare | vs naive peer | p99 vs bare |")
    print("|---|---|---|---|---|---|")
    for name, r, peer in rows:
        vs_peer = f"{r.rate / peer.rate:.2f}x" if peer else "—"
        bad = f" ({r.bad} errors)" if r.bad else ""
        print(
            f"| {name}{bad} | {r.rate:,.0f} | {r.p99:.1f} ms | {r.rate / bare.rate:.0%} "
            f"| {vs_peer} | {r.p99 / bare.p99:.1f}x |"
        )
    print("\nlargest RSS of each service process (its high-water mark, start-up included):")
    for name, rss in sorted(memory.peak.items()):
        print(f"  {rss:6.0f} MB  {name}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", help="only reads whose name contains one of these")
    parser.add_argument("--http-workers", type=int, help="default: as `make run` (cores)")
    parser.add_argument("--profile", help="py-spy the read whose name contains this")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
