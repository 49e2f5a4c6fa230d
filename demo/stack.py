"""The whole demo, started and stopped as one: platform, traffic, exporters, Prometheus, Alertmanager.

    with Stack(StackOptions(run_dir=tmp)) as stack:
        stack.url("prometheus")

Everything listens on 127.0.0.1, on free ports unless `ports` names one; every process is stopped by
PID. `state.json` in the run directory lets `obs demo fault` find the running stack.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url
from sqlalchemy.engine import URL

from observability.catalog import service
from observability.paths import repo_root

from . import stack_config
from .choices import COMPONENTS, DEFAULT_POSTGRES_URL
from .database import DatabaseError, drop_database, ensure_database
from .fake_slack import client as fake_slack
from .obs_cli import ObsCommandFailed, create_api_token, generate_fast_rules, incident_service_available
from .processes import Component, ComponentFailed, spawn, stop_all, wait_ready
from .schema import EmbeddingStorage, create_schema

log = logging.getLogger(__name__)

STATE_FILE = "state.json"


class StackError(RuntimeError):
    """The stack cannot start: a missing binary, database or component."""


@dataclass
class StackOptions:
    run_dir: Path
    postgres_url: str = DEFAULT_POSTGRES_URL  # any database on the server; used to create `database`
    database: str = "obs_demo"
    drop_database: bool = False  # drop it when the stack stops (obs demo does unless --keep-database)
    ports: dict[str, int] = field(default_factory=dict)
    traffic_rate: float = 10.0
    traffic_duration: float = 3600.0
    otlp_traces_endpoint: str | None = None  # e.g. http://127.0.0.1:4318/v1/traces
    scrape_interval: str = "1s"
    with_incident_service: bool = True
    with_fake_slack: bool = True  # the incident service pages into demo/fake_slack
    service_env: dict[str, str] = field(default_factory=dict)  # more OBS_* settings for the service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise StackError(f"{name} is not installed (make tools, or apt-get install {name})")
    return path


class Stack:
    """Starts the stack on enter and stops everything it started on exit."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.run_dir = options.run_dir
        self.components: dict[str, Component] = {}
        self.ports = {name: options.ports.get(name) or free_port() for name in COMPONENTS}
        self.webhook_token = secrets.token_urlsafe(24)
        self.slack_signing_secret = secrets.token_urlsafe(24)
        self.slack_bot_token = f"xoxb-demo-{secrets.token_hex(12)}"
        self.embedding_storage: EmbeddingStorage | None = None
        self.api_token: str | None = None  # responder token for the incident API, when it runs
        server = make_url(options.postgres_url)
        self.database_url: URL = server.set(database=options.database)
        self._database_in_use = False

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def pid(self, name: str) -> int:
        return self.components[name].pid

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def start(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        binaries = {
            name: require_binary(name)
            for name in (
                "prometheus",
                "prometheus-alertmanager",
                "prometheus-node-exporter",
                "prometheus-postgres-exporter",
            )
        }
        self._create_database()
        rules_dir = self._generate_rules()
        python = sys.executable
        db = self.database_url.render_as_string(hide_password=False)
        platform_env = self._otel_env()

        self._start(
            "embedding-api",
            [python, "-m", "demo", "embedding-api", "--port", self._port("embedding-api")],
            "/healthz",
            platform_env,
        )
        self._start(
            "api",
            [
                python,
                "-m",
                "demo",
                "api",
                "--port",
                self._port("api"),
                "--database-url",
                db,
                "--embedding-url",
                self.url("embedding-api"),
            ],
            "/healthz",
            platform_env,
        )
        self._start(
            "worker",
            [
                python,
                "-m",
                "demo",
                "worker",
                "--port",
                self._port("worker"),
                "--database-url",
                db,
                "--embedding-url",
                self.url("embedding-api"),
            ],
            "/metrics",
            platform_env,
        )
        self._add(
            spawn(
                "traffic",
                [
                    python,
                    "-m",
                    "demo",
                    "traffic",
                    "--api-url",
                    self.url("api"),
                    "--rate",
                    str(self.options.traffic_rate),
                    "--duration",
                    str(self.options.traffic_duration),
                ],
                log_dir=self.log_dir,
                env=platform_env,
            )
        )
        self._start(
            "node-exporter",
            [
                binaries["prometheus-node-exporter"],
                f"--web.listen-address=127.0.0.1:{self.ports['node-exporter']}",
            ],
            "/metrics",
        )
        self._start_postgres_exporter(binaries["prometheus-postgres-exporter"])
        self._start_fake_slack()
        webhook_url = self._start_incident_service()
        self._start_alertmanager(binaries["prometheus-alertmanager"], webhook_url)
        self._start_prometheus(binaries["prometheus"], rules_dir)
        self.write_state()

    def stop(self) -> None:
        stop_all(list(reversed(self.components.values())))
        self.components.clear()
        # Dropped whether this run created it or found it left over: it is the demo's own.
        if self.options.drop_database and self._database_in_use:
            drop_database(self.options.postgres_url, self.options.database)
            self._database_in_use = False

    def write_state(self) -> Path:
        """state.json: what `obs demo fault` and `obs demo heal` need to find the running stack."""
        state: dict[str, Any] = {
            "components": {
                name: {"url": component.url, "pid": component.pid}
                for name, component in self.components.items()
            },
            "database_url": self.database_url.render_as_string(hide_password=True),
            "embedding_storage": self.embedding_storage.value if self.embedding_storage else None,
        }
        path = self.run_dir / STATE_FILE
        path.write_text(json.dumps(state, indent=2), encoding="utf-8")
        return path

    def urls(self) -> list[tuple[str, str]]:
        """(component, URL) of everything started that serves HTTP, in start order."""
        return [(name, c.url) for name, c in self.components.items() if c.url is not None]

    # --- the parts -----------------------------------------------------------------------------

    def _port(self, name: str) -> str:
        return str(self.ports[name])

    def _add(self, component: Component) -> Component:
        self.components[component.name] = component
        return component

    def _start(
        self, name: str, argv: list[str], ready_path: str, env: dict[str, str] | None = None
    ) -> Component:
        component = self._add(spawn(name, argv, log_dir=self.log_dir, url=self.url(name), env=env))
        wait_ready(component, ready_path)
        return component

    def _otel_env(self) -> dict[str, str]:
        endpoint = self.options.otlp_traces_endpoint
        if endpoint is None:
            return {"OTEL_TRACES_EXPORTER": "none"}
        return {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
        }

    def _create_database(self) -> None:
        try:
            ensure_database(self.options.postgres_url, self.options.database)
        except DatabaseError as exc:
            raise StackError(str(exc)) from exc
        self._database_in_use = True
        engine = create_engine(self.database_url)
        try:
            self.embedding_storage = create_schema(engine)
        finally:
            engine.dispose()

    def _generate_rules(self) -> Path:
        try:
            # the alerts' runbook links must open this stack's service, whatever port it got
            runbook_base_url = self.url("incident-service") + "/runbooks"
            return generate_fast_rules(self.run_dir / "rules", runbook_base_url)
        except ObsCommandFailed as exc:
            raise StackError(str(exc)) from exc

    def _start_postgres_exporter(self, binary: str) -> None:
        queries = self.run_dir / "postgres-exporter-queries.yml"
        pgvector = self.embedding_storage is EmbeddingStorage.PGVECTOR
        queries.write_text(stack_config.postgres_exporter_queries(pgvector=pgvector), encoding="utf-8")
        argv = [
            binary,
            f"--web.listen-address=127.0.0.1:{self.ports['postgres-exporter']}",
            f"--extend.query-path={queries}",
        ]
        dsn = self.database_url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._start("postgres-exporter", argv, "/metrics", {"DATA_SOURCE_NAME": f"{dsn}?sslmode=disable"})

    def _start_fake_slack(self) -> None:
        """The fake Slack Web API the service pages into; its page at / shows the channels and cards."""
        if not (self.options.with_fake_slack and self.options.with_incident_service):
            return
        argv = fake_slack.command_line(
            self.ports["fake-slack"],
            self.slack_signing_secret,
            self.slack_bot_token,
            events_url=self.url("incident-service") + "/slack/events",
            users=repo_root() / "incident" / "people.yml",
            # the channels a real workspace has: OBS_SLACK_ALERTS_CHANNEL's default and the matrix's
            channels=["alerts"],
            channels_from=repo_root() / "incident" / "escalation.yml",
        )
        self._start("fake-slack", argv, "/healthz")

    def _slack_env(self) -> dict[str, str]:
        if "fake-slack" not in self.components:
            return {}
        return {
            "OBS_SLACK_API_URL": self.url("fake-slack") + "/api/",
            "OBS_SLACK_BOT_TOKEN": self.slack_bot_token,
            "OBS_SLACK_SIGNING_SECRET": self.slack_signing_secret,
        }

    def _start_incident_service(self) -> str | None:
        if not (self.options.with_incident_service and incident_service_available()):
            log.warning("obs serve is not available: Alertmanager notifications go nowhere")
            return None
        env = {
            "OBS_DATABASE_URL": f"sqlite:///{self.run_dir / 'incident.db'}",
            "OBS_WEBHOOK_TOKEN": self.webhook_token,
            "OBS_PUBLIC_URL": self.url("incident-service"),
            "OBS_PROMETHEUS_URL": self.url("prometheus"),
            "OBS_ALERTMANAGER_URL": self.url("alertmanager"),
            "OTEL_TRACES_EXPORTER": "none",
            **self._slack_env(),
            **self.options.service_env,
        }
        argv = [
            sys.executable,
            "-m",
            "observability.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            self._port("incident-service"),
        ]
        try:
            self.api_token = create_api_token(env, self.run_dir / "api-token")
            self._start("incident-service", argv, "/healthz", env)
        except (ComponentFailed, ObsCommandFailed) as exc:
            # the platform, Prometheus and the faults work without it: carry on, but say so loudly
            log.error("incident service did not start; Alertmanager notifications go nowhere: %s", exc)
            stop_all([self.components.pop("incident-service")])
            return None
        return self.url("incident-service") + "/api/v1/webhooks/alertmanager"

    def _start_alertmanager(self, binary: str, webhook_url: str | None) -> None:
        token_file = self.run_dir / "webhook-token"
        token_file.write_text(self.webhook_token, encoding="utf-8")
        token_file.chmod(0o600)
        config = self.run_dir / "alertmanager.yml"
        config.write_text(stack_config.alertmanager_config(webhook_url, token_file), encoding="utf-8")
        argv = [
            binary,
            f"--config.file={config}",
            f"--storage.path={self.run_dir / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{self.ports['alertmanager']}",
            f"--web.external-url={self.url('alertmanager')}",
            "--cluster.listen-address=",
        ]
        self._start("alertmanager", argv, "/-/ready")

    def _start_prometheus(self, binary: str, rules_dir: Path) -> None:
        jobs = {
            service("api").job: f"127.0.0.1:{self.ports['api']}",
            service("worker").job: f"127.0.0.1:{self.ports['worker']}",
            service("node").job: f"127.0.0.1:{self.ports['node-exporter']}",
            service("postgres").job: f"127.0.0.1:{self.ports['postgres-exporter']}",
            "prometheus": f"127.0.0.1:{self.ports['prometheus']}",
        }
        if "incident-service" in self.components:
            jobs[service("incident").job] = f"127.0.0.1:{self.ports['incident-service']}"
        config = self.run_dir / "prometheus.yml"
        config.write_text(
            stack_config.prometheus_config(
                jobs,
                alertmanager=f"127.0.0.1:{self.ports['alertmanager']}",
                rule_glob=str(rules_dir / "*.yml"),
                interval=self.options.scrape_interval,
            ),
            encoding="utf-8",
        )
        argv = [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={self.run_dir / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{self.ports['prometheus']}",
            f"--web.external-url={self.url('prometheus')}",
            "--web.enable-lifecycle",
            # alerts that fire before the Alertmanager target is discovered are dropped, and only
            # re-sent after this delay (default 1m): the Watchdog fires on the first evaluation
            f"--rules.alert.resend-delay={self.options.scrape_interval}",
        ]
        self._start("prometheus", argv, "/-/ready")


__all__ = ["ComponentFailed", "Stack", "StackError", "StackOptions"]
