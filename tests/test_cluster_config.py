"""What we ship in deploy/ parses, keeps every write fsynced, and agrees with the services."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar.routes import HTTPRoute

from services.platform.app import create_app
from services.platform.bus import DEAD_LETTER
from services.platform.embedded import EmbeddedNats
from services.platform.runtime import Service
from services.platform.settings import Settings
from services.registry import ALL

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SERVICES = {s.name: s for s in ALL}
WORKERS = ("occupations", "ratings", "competitions", "labour", "web")
USERS = ("occupations", "ratings", "competitions", "labour", "web", "operator")
SHARED_PREFIXES = {"/health", "/metrics", "/schema", "/docs", "/asyncapi.json", "/static"}


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def k8s(kind: str) -> list[dict[str, Any]]:
    files = sorted((DEPLOY / "k8s").glob("*.yaml"))
    return [d for f in files for d in documents(f) if d["kind"] == kind]


def nats_configs(tmp_path: Path) -> dict[str, str]:
    """Every NATS config we ship: compose's, the Kubernetes ConfigMap's, the embedded one."""
    (config_map,) = [c for c in k8s("ConfigMap") if c["metadata"]["name"] == "nats-config"]
    return {
        "compose": (DEPLOY / "nats" / "nats.conf").read_text(encoding="utf-8"),
        "k8s": config_map["data"]["nats.conf"],
        "embedded": EmbeddedNats(tmp_path / "embedded").config(),
    }


def test_every_yaml_file_parses() -> None:
    files = sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 8
    for path in files:
        assert documents(path), path


def test_every_nats_config_fsyncs_each_write_and_is_valid(tmp_path: Path) -> None:
    env = {f"NATS_{u.upper()}_PASSWORD": "x" for u in USERS} | {"SERVER_NAME": "n"}
    for name, text in nats_configs(tmp_path).items():
        jetstream = re.search(r"jetstream\s*\{([^}]*)\}", text)
        assert jetstream, f"{name}: no jetstream block"
        assert re.search(r"^\s*sync_interval:\s*always\s*$", jetstream.group(1), re.M), name
        folder = tmp_path / name
        folder.mkdir()
        (folder / "nats.conf").write_text(text)
        (folder / "auth.conf").write_text((DEPLOY / "nats" / "auth.conf").read_text())
        checked = subprocess.run(
            [EmbeddedNats.binary(), "-t", "-c", str(folder / "nats.conf")],
            capture_output=True,
            env=env,
            cwd=folder,
            timeout=20,
        )
        assert checked.returncode == 0, f"{name}: {checked.stderr.decode()}"


def test_cluster_has_three_nodes_routed_to_each_other() -> None:
    compose = documents(DEPLOY / "compose.yaml")[0]
    nodes = sorted(n for n in compose["services"] if n.startswith("nats-"))
    routes = re.findall(r"nats-route://([\w-]+):6222", (DEPLOY / "nats" / "nats.conf").read_text())
    assert nodes == sorted(routes) == ["nats-1", "nats-2", "nats-3"]
    (statefulset,) = [s for s in k8s("StatefulSet") if s["metadata"]["name"] == "nats"]
    (config_map,) = [c for c in k8s("ConfigMap") if c["metadata"]["name"] == "nats-config"]
    k8s_routes = re.findall(r"nats-route://(nats-\d)\.", config_map["data"]["nats.conf"])
    assert statefulset["spec"]["replicas"] == len(k8s_routes) == 3
    assert config_map["data"]["auth.conf"] == (DEPLOY / "nats" / "auth.conf").read_text()


def test_every_service_runs_replicated_with_probes_and_r3_streams() -> None:
    compose = documents(DEPLOY / "compose.yaml")[0]["services"]
    for name in WORKERS:
        service = compose[name]
        assert service["deploy"]["replicas"] >= 2, name
        assert service["environment"]["SKILLSREG_STREAM_REPLICAS"] == "3", name
        probe = " ".join(service["healthcheck"]["test"])
        assert "/health/ready" in probe and "/health/live" in probe, name
        assert service["environment"]["NATS_URL"].startswith(f"nats://{name}:"), name
    deployments = {d["metadata"]["name"]: d for d in k8s("Deployment")}
    assert sorted(deployments) == sorted(WORKERS)
    for name, deployment in deployments.items():
        assert deployment["spec"]["replicas"] >= 2, name
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live", name
        env = {e["name"]: e for e in container["env"]}
        assert env["SKILLSREG_STREAM_REPLICAS"]["value"] == "3", name
        assert env["NATS_URL"]["valueFrom"]["secretKeyRef"]["key"] == f"NATS_URL_{name.upper()}"
        assert "secretKeyRef" in env["DATABASE_URL"]["valueFrom"], name


def allowed_publish(user: str) -> set[str]:
    text = (DEPLOY / "nats" / "auth.conf").read_text()
    head = rf"{user.upper()}_PERMISSIONS = \{{\s*publish: \{{ allow: \["
    block = re.search(head + r"(.*?)\]", text, re.S)
    assert block, f"no permissions for {user} in deploy/nats/auth.conf"
    return set(re.findall(r'"([^"]+)"', block.group(1)))


def needed_publish(services: list[Service]) -> set[str]:
    """What the platform code asks of NATS for these services (see bus.py and consumer.py)."""
    writes = {c for s in services for c in s.contexts}
    reads = {spec.context for s in services for spec in s.consumers}
    needed = {f"skills.{c}.>" for c in writes} | {"skills.deadletter.>", "$JS.API.INFO"}
    for context in writes | reads | {DEAD_LETTER}:
        stream = f"SKILLS_{context.upper()}"
        needed |= {f"$JS.API.STREAM.{op}.{stream}" for op in ("CREATE", "UPDATE")}
    for context in reads:
        stream = f"SKILLS_{context.upper()}"
        needed |= {f"$JS.API.CONSUMER.CREATE.{stream}.>", f"$JS.API.CONSUMER.MSG.NEXT.{stream}.>"}
        needed.add(f"$JS.ACK.{stream}.>")
    return needed


@pytest.mark.parametrize("name", WORKERS)
def test_each_nats_user_may_do_what_its_service_does_and_no_more(name: str) -> None:
    services = ALL if name == "web" else [SERVICES[name]]
    allowed = allowed_publish(name)
    missing = needed_publish(services) - allowed
    assert not missing, f"add to {name}'s permissions in deploy/nats/auth.conf: {missing}"
    own = {f"skills.{c}.>" for s in services for c in s.contexts} | {"skills.deadletter.>"}
    assert {a for a in allowed if a.startswith("skills.")} == own
    assert not [a for a in allowed if ".DELETE." in a or ".PURGE." in a or a.endswith("API.>")]


def route_prefixes(service: Service) -> set[str]:
    app = create_app(_Runtime(service))  # type: ignore[arg-type]
    prefixes = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            parts = route.path.split("/")
            prefix = "/".join(parts[:3]) if parts[1] == "dead-letters" else f"/{parts[1]}"
            prefixes.add(prefix)
    return prefixes - SHARED_PREFIXES


class _Runtime:
    def __init__(self, service: Service) -> None:
        self.services = [service]
        self.settings = Settings()


def test_proxy_and_ingress_send_each_path_to_a_service_that_serves_it() -> None:
    caddy = (DEPLOY / "caddy" / "Caddyfile").read_text()
    (ingress,) = k8s("Ingress")
    ingress_paths = {
        p["path"]: p["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    for name in ("occupations", "ratings", "competitions", "labour"):
        served = route_prefixes(SERVICES[name])
        matcher = re.search(rf"@{name} path (.*)", caddy)
        assert matcher, f"Caddyfile: no matcher for {name}"
        proxied = {p.rstrip("*").removesuffix("/") for p in matcher.group(1).split()}
        ingressed = {p for p, backend in ingress_paths.items() if backend == name}
        stale = proxied - served - {f"/dead-letters/{name}"}
        assert not stale, f"Caddyfile sends to {name} what it does not serve: {stale}"
        assert ingressed - served <= {f"/dead-letters/{name}"}, name
        assert proxied == ingressed, name
    assert ingress_paths["/"] == "web"


def test_image_and_commands_refer_to_what_exists() -> None:
    root = DEPLOY.parent
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.M):
        *sources, _ = line.split()
        for source in sources:
            assert (root / source).exists(), f"deploy/Dockerfile copies missing {source}"
    services = documents(DEPLOY / "compose.yaml")[0]["services"].values()
    commands = [s["command"] for s in services if "command" in s]
    commands += [c["command"] for d in k8s("Deployment") for c in _containers(d)]
    modules = {c[2] for c in commands if c[:2] == ["python", "-m"]}
    assert modules >= {"services", "services.occupations", "services.ratings"}
    for module in modules:
        assert (root / module.replace(".", "/") / "__main__.py").exists(), module
    clis = {c[1] for c in commands if c[0] == "skillsreg"}
    assert clis == {"migrate"}


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return containers
