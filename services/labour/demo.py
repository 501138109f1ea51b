"""Demo labour-market publications for `make run`: invented, and labelled so in every note.

Real catalogues, pay surveys and packages are not in our sources. These have their shapes —
quarterly national shortage rankings with demand/supply ratios, a province's own catalogue,
pay percentiles rising with the skill level, packages for the 2024 new occupations at various
stages — and invented figures. They go through the same commands as the API, once (a
publication already applied is left alone), after our copies of the classification and of
the evaluation bodies have arrived.
"""

from __future__ import annotations

import random
from datetime import date

from schemas.labour import (
    CataloguePublished,
    DemandEntry,
    MinimumPay,
    PackagePublished,
    PayPublished,
    PayRow,
    SelectedBody,
    Standard,
    TrainingItem,
)
from services.platform.logs import get_logger
from services.platform.runtime import Runtime
from services.platform.submissions import wait_for

from .handlers import (
    PublicationConflict,
    PublicationInvalid,
    PublishCatalogue,
    Publisher,
    PublishPackage,
    PublishPay,
    publish_catalogue,
    publish_package,
    publish_pay,
)

log = get_logger(__name__)

NOTE = (
    "DEMO DATA: invented figures in the shape of a real publication; not published by the "
    "ministry or any province."
)
SOURCE = "skillsreg demo (invented)"
NEW_RELEASE = "new-occupations-2024"
# 2022 classification codes (data/csco22.csv), roughly in the order a shortage list has them.
SHORTAGE = (
    "4-01-02-01", "6-18-01-01", "4-03-02-05", "4-09-08-01", "4-02-07-08", "6-18-02-04",
    "6-31-01-03", "6-18-01-02", "4-10-01-06", "4-07-05-01", "4-01-02-03", "4-07-02-03",
    "4-03-02-01", "6-20-01-01", "4-12-01-01", "4-10-01-05", "4-02-05-01", "4-02-06-01",
    "6-22-02-01", "6-31-01-02", "6-25-04-07", "6-18-04-01", "6-18-01-12", "4-10-08-01",
    "4-03-02-02", "4-10-01-03", "6-29-03-03", "6-31-07-03", "4-04-05-05", "4-01-06-02",
)  # fmt: skip
# (code, monthly median pay of a junior worker, yuan): invented.
PAY_BASE = (
    ("6-31-01-03", 5200), ("6-18-02-04", 5600), ("6-18-01-01", 5300), ("6-18-01-02", 5400),
    ("4-12-01-01", 5000), ("4-03-02-01", 4800), ("4-10-01-05", 4300), ("4-01-06-01", 5100),
    ("4-10-01-03", 4200), ("6-31-07-03", 6200), ("4-04-05-05", 6800), ("6-29-03-03", 5900),
    ("6-20-01-01", 5500), ("4-02-07-08", 5600), ("4-10-08-01", 5800),
)  # fmt: skip
LEVELS = (
    ("junior", 1.0),
    ("intermediate", 1.16),
    ("senior", 1.38),
    ("technician", 1.66),
    ("senior_technician", 1.98),
)
# The 2024 new occupations with a package, by the name the release gives them (facts file).
PACKAGES = {
    "智能制造系统运维员": (
        "published", "evaluation_norm", ["demo-stat-gd-works", "demo-stat-sd-group"]
    ),
    "工业互联网运维员": ("published", "national_standard", ["demo-stat-js-college"]),
    "口腔卫生技师": ("drafted", "national_standard", ["demo-stat-zj-centre"]),
    "生物工程技术人员": ("drafted", "evaluation_norm", []),
}  # fmt: skip
WAIT = 300.0  # seconds for our copies to arrive on a cold start


def catalogue(kind: str, region: str, period: str, size: int, seed: int) -> CataloguePublished:
    """A ranking that drifts from period to period: neighbours swap, a few enter and leave."""
    rng = random.Random(f"{kind}:{region}:{seed}")
    pool = list(SHORTAGE)
    order = sorted(pool, key=lambda c: pool.index(c) + rng.uniform(-2.5, 2.5))[:size]
    entries = []
    for rank, code in enumerate(order, start=1):
        ratio = round(3.6 - rank * (2.0 / size) + rng.uniform(-0.15, 0.15), 2)
        vacancies = int(40_000 / rank**0.6 * rng.uniform(0.8, 1.2))
        entries.append(
            DemandEntry(
                rank=rank,
                occupation_code=code,
                demand_supply_ratio=ratio,
                vacancies=vacancies,
                job_seekers=int(vacancies / ratio),
            )
        )
    year, _, quarter = period.partition("-Q")
    month = 3 * int(quarter) + 1 if quarter else 1
    published = date(int(year) + month // 13, (month - 1) % 12 + 1, 25)
    place = "全国" if region == "national" else "广东省"
    label = "紧缺职业" if kind == "shortage" else "急需职业"
    return CataloguePublished(
        kind=kind,  # type: ignore[arg-type]
        region=region,
        period=period,
        title=f"{place}{label}排行 {period}（演示数据，虚构）",
        published_on=published,
        source=SOURCE,
        note=NOTE,
        entries=entries,
    )


def pay(region: str, year: int) -> PayPublished:
    rng = random.Random(f"pay:{region}:{year}")
    uplift = (1.12 if region == "440000" else 1.0) * (1.0 + 0.04 * (year - 2024))
    rows = []
    for code, base in PAY_BASE:
        for level, factor in LEVELS:
            median = base * factor * uplift * rng.uniform(0.96, 1.04)
            spread = [0.68, 0.83, 1.0, 1.2, 1.45]
            p10, p25, p50, p75, p90 = (int(round(median * s, -1)) for s in spread)
            sample = int(2400 / factor**3 * rng.uniform(0.7, 1.3)) + 30
            rows.append(
                PayRow(occupation_code=code, level=level, p10=p10, p25=p25, p50=p50,  # type: ignore[arg-type]
                       p75=p75, p90=p90, sample_size=sample)
            )  # fmt: skip
    guidance = [
        MinimumPay(level=level, monthly=int(round(2600 * uplift * factor, -1)))  # type: ignore[arg-type]
        for level, factor in LEVELS
    ]
    place = "全国" if region == "national" else "广东省"
    return PayPublished(
        region=region,
        year=year,
        title=f"{place}技能人才薪酬 {year}（演示数据，虚构）",
        published_on=date(year + 1, 3, 15),
        source="Invented enterprise pay survey (demo)",
        note=NOTE,
        rows=rows,
        minimum_pay=guidance,
    )


def package(code: str, name: str, bodies: set[str]) -> PackagePublished:
    status, kind, selected = PACKAGES[name]
    standard = Standard(
        kind=kind,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        issuing_body="人力资源社会保障部职业技能鉴定中心（演示，虚构）",
        issued_on=date(2025, 6, 30) if status == "published" else None,
        reference=f"DEMO-{code}" if status == "published" else "",
    )
    training = [
        TrainingItem(
            kind="training_package",
            title=f"{name}培训包（演示，虚构）",
            publisher="中国劳动社会保障出版社（演示，虚构）",
            published_on=date(2025, 9, 1),
        )
    ]
    if status == "published":
        training.append(
            TrainingItem(
                kind="materials",
                title=f"{name}（初级）培训教材（演示，虚构）",
                publisher="中国劳动社会保障出版社（演示，虚构）",
                published_on=date(2025, 11, 1),
            )
        )
    return PackagePublished(
        occupation_code=code,
        published_on=date(2025, 12, 1),
        standard=standard,
        training=training,
        evaluation_bodies=[
            SelectedBody(body_id=b, selected_on=date(2025, 10, 15)) for b in selected if b in bodies
        ],
        note=NOTE,
    )


def publications() -> list[PublishCatalogue | PublishPay]:
    publisher = Publisher(actor="system:demo", source="/labour/demo")
    periods = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    out: list[PublishCatalogue | PublishPay] = [
        PublishCatalogue(catalogue=catalogue("shortage", "national", p, 25, i), publisher=publisher)
        for i, p in enumerate(periods)
    ]
    out += [
        PublishCatalogue(
            catalogue=catalogue("shortage", "440000", p, 15, i + 10), publisher=publisher
        )
        for i, p in enumerate(periods[-2:])
    ]
    out.append(
        PublishCatalogue(
            catalogue=catalogue("in_demand", "national", "2024", 20, 99), publisher=publisher
        )
    )
    out += [PublishPay(pay=pay("national", y), publisher=publisher) for y in (2024, 2025)]
    out.append(PublishPay(pay=pay("440000", 2025), publisher=publisher))
    return out


async def _wait(runtime: Runtime, query: str, *args: object) -> bool:
    """Wait (up to WAIT seconds) until `query` answers true: our copies fill from events."""
    return bool(await wait_for(lambda: runtime.pool.fetchval(query, *args), bool, WAIT))


async def load_demo(runtime: Runtime) -> None:
    """Only where the baseline loads (`make run`)."""
    if not runtime.settings.load_baseline:
        return
    pool, bus = runtime.pool, runtime.bus
    codes = sorted({*SHORTAGE, *(c for c, _ in PAY_BASE)})
    ready = "SELECT count(*) = $2 FROM labour.occupation WHERE code = any($1::text[])"
    if not await _wait(runtime, ready, codes, len(codes)):
        log.warning("labour demo skipped: occupation codes not received")
        return
    for command in publications():
        try:
            if isinstance(command, PublishCatalogue):
                await publish_catalogue(command, pool=pool, bus=bus)
            else:
                await publish_pay(command, pool=pool, bus=bus)
        except (PublicationConflict, PublicationInvalid) as exc:
            log.warning("labour demo publication refused", error=str(exc))
    new = "SELECT count(*) > 0 FROM labour.occupation WHERE introduced_in = $1"
    bodies = "SELECT count(*) >= 4 FROM labour.body WHERE body_id LIKE 'demo-stat-%'"
    if not (await _wait(runtime, new, NEW_RELEASE) and await _wait(runtime, bodies)):
        log.warning("labour demo packages skipped: new occupations or bodies not received")
        return
    rows = await pool.fetch(
        "SELECT code, name_zh FROM labour.occupation WHERE introduced_in = $1 AND level = 4",
        NEW_RELEASE,
    )
    known = {r["body_id"] for r in await pool.fetch("SELECT body_id FROM labour.body")}
    publisher = Publisher(actor="system:demo", source="/labour/demo")
    for row in rows:
        if row["name_zh"] not in PACKAGES:
            continue
        selected = package(row["code"], row["name_zh"], known)
        try:
            await publish_package(
                PublishPackage(package=selected, publisher=publisher), pool=pool, bus=bus
            )
        except (PublicationConflict, PublicationInvalid) as exc:
            log.warning("labour demo package refused", error=str(exc))
    log.info("labour demo publications submitted (invented, labelled demo)")
