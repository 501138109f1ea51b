"""The hardening migrations convert what is already stored: plain competitor IDs become their
last four characters and re-keyed grant persons, dead letters gain what they are about."""

from __future__ import annotations

import asyncio
import hashlib

import asyncpg

from services.competitions.domain import grant_person
from services.platform.migrate import upgrade
from services.platform.national_ids import person_ref
from services.platform.settings import Settings

from .harness import Servers, unique

PLAIN = "440101200001010017"  # invented


async def test_existing_rows_are_converted_and_plain_ids_dropped(servers: Servers) -> None:
    name = unique("skillsreg_mig_")
    url = await servers.create_database(name)
    try:
        for revision in ("competitions_0003", "occupations_0003"):
            await asyncio.to_thread(upgrade, url, revision)
        person = person_ref(PLAIN, Settings().id_hash_key.encode())
        old_person = hashlib.sha256(f"skillsreg:grant:{PLAIN}".encode()).hexdigest()[:24]
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(
                """
                INSERT INTO competitions.competition (code, name, kind, organiser, starts_on,
                    ends_on, rules, created_by)
                VALUES ('OLD2023', 'Old contest (invented)', 'national', 'o', '2023-01-01',
                    '2023-01-02', '{}', 'test');
                INSERT INTO competitions.member (code, name_en, kind) VALUES ('CN', 'CN', 'member');
                INSERT INTO competitions.skill (competition, number, name_en, sector, team_size,
                    kind) VALUES ('OLD2023', '07', 'CNC', 'x', 1, 'official');
                INSERT INTO competitions.skill_revision (competition, skill, revision,
                    content_hash, event_id, actor) VALUES ('OLD2023', '07', 1, 'h', 'e', 'a');
                INSERT INTO competitions.result (competition, skill, revision, member, mark,
                    position, medal) VALUES ('OLD2023', '07', 1, 'CN', 700, 1, 'GOLD');
                """
            )
            await conn.execute(
                """INSERT INTO competitions.result_competitor (result_id, seq, person_id, name,
                    nid_hash) SELECT id, 1, 'p1', 'Demo', $1 FROM competitions.result""",
                person,
            )
            await conn.execute(
                "INSERT INTO competitions.person_identity (nid_hash, national_id) VALUES ($1, $2)",
                person,
                PLAIN,
            )
            await conn.execute(
                """INSERT INTO competitions.rating_grant (grant_id, competition, skill,
                    policy_id, result_revision, medal, level, occupation_code, person, version)
                VALUES ($1, 'OLD2023', '07', 'p', 1, 'GOLD', 'technician', '6-18-01-01', $2, 1)""",
                f"OLD2023:07:{old_person}",
                old_person,
            )
            await conn.execute(
                """INSERT INTO occupations.dead_letter (consumer, event_id, event_type, subject,
                    stream_seq, deliveries, reason, payload) VALUES
                ('c', 'a', NULL, 's', 1, 1, 'r', $1), ('c', 'b', NULL, 's', 2, 1, 'r', $2)""",
                b'{"id": "a", "type": "t", "data": {"release_id": "old-release"}}',
                b"[" * 5000 + b"]" * 5000,
            )
        finally:
            await conn.close()

        await asyncio.to_thread(upgrade, url)  # every head

        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT to_regclass('competitions.person_identity')") is None
            row = await conn.fetchrow(
                "SELECT nid_hash, id_last4 FROM competitions.result_competitor"
            )
            assert (row["nid_hash"], row["id_last4"]) == (person, PLAIN[-4:])
            grant = await conn.fetchrow("SELECT grant_id, person FROM competitions.rating_grant")
            assert grant["person"] == grant_person(person)  # as new grants are computed
            assert grant["grant_id"] == f"OLD2023:07:{old_person}"  # issued ids stay
            subjects = await conn.fetch(
                "SELECT event_id, event_subject FROM occupations.dead_letter ORDER BY id"
            )
            assert [tuple(r) for r in subjects] == [("a", "old-release"), ("b", None)]
        finally:
            await conn.close()
    finally:
        await servers.drop_database(name)
