"""The highly available topology on loopback: three clustered Alertmanager peers, haproxy, two replicas.

Alertmanager → haproxy (the committed deploy/haproxy/haproxy.cfg, ports and addresses swapped for
loopback ones) → two `obs serve` replicas on one PostgreSQL database. Every process is started on
free ports and stopped by its PID.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import REPO_ROOT
from tests.ingest.live import WEBHOOK, ObsServer, http_ok, wait_until
from tests.support import binary, free_port

HAPROXY_CONFIG = REPO_ROOT / "deploy/haproxy/haproxy.cfg"
PEERS = 3
REPLICAS = 2
# Fast enough for tests: a group is first sent 1 s after its first alert, changes every 2 s; each
# peer waits its position times 1 s for the ones before it (the cluster's dedup, via gossip).
GROUP_WAIT, GROUP_INTERVAL, PEER_TIMEOUT = "1s", "2s", "1s"


class Replica(ObsServer):
    """A service replica; the machine may be loaded when several replicas start at once."""

    startup_timeout = 180.0


class Process:
    """A subprocess with its log, stopped by PID."""

    def __init__(self, command: list[str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def haproxy_config(frontend: int, monitor: int, backends: list[int]) -> str:
    """The committed config with loopback ports: same checks, retries and balancing as in compose."""
    text = HAPROXY_CONFIG.read_text(encoding="utf-8")
    replaced = {
        r"^\s*bind :8080$": f"    bind 127.0.0.1:{frontend}",
        r"^\s*bind :8405$": f"    bind 127.0.0.1:{monitor}",
        # Docker's DNS is not here; the servers below are addresses
        r"^resolvers docker\n(?:    .*\n)+": "",
        r" resolvers docker": "",
    }
    for pattern, replacement in replaced.items():
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count, f"{HAPROXY_CONFIG}: no match for {pattern!r}"
    for index, port in enumerate(backends):
        text, count = re.subn(rf"\bobs-{index + 1}:8080\b", f"127.0.0.1:{port}", text)
        assert count, f"the committed config no longer names the replica obs-{index + 1}:8080"
    return text


def alertmanager_config(webhook_url: str, token_file: Path) -> dict[str, Any]:
    return {
        "route": {
            "receiver": "obs",
            "group_by": ["alertname"],
            "group_wait": GROUP_WAIT,
            "group_interval": GROUP_INTERVAL,
            "repeat_interval": "1h",
        },
        "receivers": [
            {
                "name": "obs",
                "webhook_configs": [
                    {
                        "url": webhook_url,
                        "send_resolved": True,
                        "max_alerts": 0,
                        "http_config": {"authorization": {"credentials_file": str(token_file)}},
                    }
                ],
            }
        ],
    }


@dataclass
class Peer:
    port: int
    cluster_port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def metric(self, name: str, **labels: str) -> float:
        """Sum of a counter's samples matching `labels` on this peer's /metrics."""
        return counter_sum(httpx.get(f"{self.url}/metrics", timeout=30).text, name, **labels)


def counter_sum(exposition: str, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`, from Prometheus text."""
    total = 0.0
    for line in exposition.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@dataclass
class Topology:
    database_url: str
    token: str
    folder: Path
    replicas: list[ObsServer] = field(default_factory=list)
    peers: list[Peer] = field(default_factory=list)
    balancer: Process | None = None
    balancer_port: int = 0
    monitor_port: int = 0

    def post_alerts(self, alerts: list[dict[str, Any]], chunk: int = 1000) -> None:
        """Fire `alerts` as Prometheus does in HA: every alert to every peer (/api/v2/alerts)."""
        with httpx.Client(timeout=30) as client:
            for start in range(0, len(alerts), chunk):
                for peer in self.peers:
                    response = client.post(f"{peer.url}/api/v2/alerts", json=alerts[start : start + chunk])
                    response.raise_for_status()

    def webhook_answers(self) -> list[float]:
        """Per replica, the webhook requests it answered 200 (its own /metrics)."""
        return [
            counter_sum(
                httpx.get(f"http://127.0.0.1:{r.port}/metrics", timeout=30).text,
                "obs_webhook_requests_total",
                code="200",
            )
            for r in self.replicas
        ]

    def replica_in_rotation(self, replica: ObsServer) -> bool:
        """haproxy counts the replica UP (its health checks on /readyz pass)."""
        server = f"obs-{self.replicas.index(replica) + 1}"
        metrics = httpx.get(f"http://127.0.0.1:{self.monitor_port}/metrics", timeout=30).text
        return (
            counter_sum(metrics, "haproxy_server_status", proxy="obs_replicas", server=server, state="UP")
            == 1
        )

    def balancer_log_size(self) -> int:
        assert self.balancer is not None
        return self.balancer.log.stat().st_size

    def webhook_answers_since(self, offset: int) -> list[tuple[str, str, str]]:
        """(server, status, termination state) of each webhook request haproxy logged after `offset`."""
        assert self.balancer is not None
        with self.balancer.log.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode(errors="replace").splitlines()
        answers = []
        for line in lines:
            fields = line.split()
            if f"POST {WEBHOOK}" in line and len(fields) > 9:
                answers.append((fields[3], fields[5], fields[9]))
        return answers

    def failed_notifications(self) -> float:
        return sum(
            peer.metric("alertmanager_notifications_failed_total", integration="webhook")
            for peer in self.peers
        )

    def notifications(self) -> float:
        return sum(
            peer.metric("alertmanager_notifications_total", integration="webhook") for peer in self.peers
        )

    def stop(self) -> None:
        for peer in self.peers:
            peer.process.stop()
        if self.balancer is not None:
            self.balancer.stop()
        for replica in self.replicas:
            replica.stop()


def start_topology(
    folder: Path, database_url: str, token: str, env: dict[str, str] | None = None
) -> Topology:
    """Start everything, replicas first; the caller stops it (`Topology.stop`) even when this fails."""
    topology = Topology(database_url, token, folder)
    try:
        _start(topology, env or {})
    except BaseException:
        topology.stop()
        raise
    return topology


def _start(topology: Topology, env: dict[str, str]) -> None:
    folder = topology.folder
    for index in range(REPLICAS):
        replica = Replica(
            free_port(),
            {
                "OBS_DATABASE_URL": topology.database_url,
                "OBS_WEBHOOK_TOKEN": topology.token,
                "OBS_WATCHDOG_TIMEOUT_SECONDS": "0",
                **env,
            },
            folder / f"obs-{index + 1}.log",
        )
        topology.replicas.append(replica)
        replica.start()
    topology.balancer_port, topology.monitor_port = free_port(), free_port()
    config = folder / "haproxy.cfg"
    backends = [r.port for r in topology.replicas]
    config.write_text(haproxy_config(topology.balancer_port, topology.monitor_port, backends))
    topology.balancer = Process([binary("haproxy"), "-db", "-f", str(config)], folder / "haproxy.log")
    wait_until(lambda: http_ok(topology.monitor_port, "/healthz"), 20, "haproxy to listen")
    wait_until(lambda: http_ok(topology.balancer_port, "/readyz"), 20, "haproxy to see a ready replica")

    token_file = folder / "webhook-token"
    token_file.write_text(topology.token)
    am_config = folder / "alertmanager.yml"
    webhook = f"http://127.0.0.1:{topology.balancer_port}{WEBHOOK}"
    am_config.write_text(yaml.safe_dump(alertmanager_config(webhook, token_file)))
    ports = [(free_port(), free_port()) for _ in range(PEERS)]
    for index, (port, cluster_port) in enumerate(ports):
        storage = folder / f"am-{index + 1}"
        storage.mkdir()
        command = [
            binary("prometheus-alertmanager"),
            f"--config.file={am_config}",
            f"--storage.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--cluster.listen-address=127.0.0.1:{cluster_port}",
            f"--cluster.advertise-address=127.0.0.1:{cluster_port}",
            *(f"--cluster.peer=127.0.0.1:{other}" for _, other in ports if other != cluster_port),
            f"--cluster.peer-timeout={PEER_TIMEOUT}",
            "--cluster.settle-timeout=3s",
            "--cluster.gossip-interval=50ms",
            "--cluster.pushpull-interval=2s",
        ]
        topology.peers.append(Peer(port, cluster_port, Process(command, folder / f"am-{index + 1}.log")))
    for peer in topology.peers:
        wait_until(lambda peer=peer: http_ok(peer.port, "/-/ready"), 30, "an Alertmanager peer to be ready")
    wait_until(
        lambda: all(_cluster_size(peer) == PEERS for peer in topology.peers), 30, "the cluster to form"
    )


def _cluster_size(peer: Peer) -> int:
    try:
        status = httpx.get(f"{peer.url}/api/v2/status", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return 0
    return sum(1 for member in status["cluster"].get("peers") or [] if member)


def storm_alerts(prefix: str, groups: int, per_group: int, start: datetime) -> list[dict[str, Any]]:
    """`groups` alert names, `per_group` instances each, as Prometheus would post them."""
    return [
        {
            "labels": {
                "alertname": f"{prefix}{group:02d}",
                "service": "api",
                "severity": "critical",
                "instance": f"api-{instance:04d}",
            },
            "annotations": {
                "summary": f"{prefix}{group:02d} storm",
                "runbook_url": "http://runbooks/api-down",
            },
            "startsAt": start.isoformat(),
            "generatorURL": "http://prometheus:9090/graph",
        }
        for group in range(groups)
        for instance in range(per_group)
    ]


def restart(replica: ObsServer) -> None:
    """Start a stopped or killed replica again on its port."""
    replica.stop()
    time.sleep(0.2)
    replica.start()
