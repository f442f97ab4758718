"""Orchestration overhead: a whole ``restore run`` per strategy through the CLI, against moto.

The run is the one CI drives (tests/test_restore_run_cli.py): Typer's CliRunner, a FakeFactory
with a FakeClock (the injected sleep only moves the clock), the in-process Pulumi engine (the real
program under Pulumi's mocks, applied to moto), maintenance through moto's CodePipeline and the
re-sync through the fake Jenkins server. AWS calls are counted with a botocore ``before-call``
hook on the clients the CLI uses and, separately, on the engine's client.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.table import ERROR, Row, seconds, verdict

AREA = "Orchestration"
#: Wall time of a whole run outside deliberate waits (the sleep is simulated), in seconds.
TARGET_SECONDS = 3.0
REGION = "eu-central-1"
DB = "shop"
SNAPSHOT = "shop-before-release-42"
ENV = "prod"

_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}
_AWS_UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_RDS", "AWS_SESSION_TOKEN")


@dataclass
class RunResult:
    strategy: str
    exit_code: int
    output: str
    wall: float
    slept: float
    sleeps: int
    cli_calls: Counter[str] = field(default_factory=Counter)
    engine_calls: Counter[str] = field(default_factory=Counter)
    jenkins: Counter[str] = field(default_factory=Counter)


@contextlib.contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Fake credentials and a region; nothing from the developer's own AWS setup leaks in."""
    saved = {k: os.environ.get(k) for k in (*_AWS_ENV, *_AWS_UNSET)}
    for name in _AWS_UNSET:
        os.environ.pop(name, None)
    os.environ.update(_AWS_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's server in this process (so tests.conftest.give_resource_id reaches its backend)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def counting(client: Any, counter: Counter[str]) -> Any:
    """Count every API call of ``client`` by ``service:Operation`` (once per call, not retry)."""

    def before_call(model: Any, **_: Any) -> None:
        counter[f"{model.service_model.service_name}:{model.name}"] += 1

    client.meta.events.register("before-call.*.*", before_call)
    return client


def _reset_and_seed(endpoint: str) -> None:
    import boto3

    from bench.seed_moto import seed
    from tests.conftest import give_resource_id
    from tests.test_maintenance import _create_pipelines

    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    seed(endpoint, REGION, DB)
    give_resource_id(DB)
    codepipeline = boto3.client("codepipeline", region_name=REGION, endpoint_url=endpoint)
    _create_pipelines(
        endpoint, codepipeline, f"Maintenance_Enable_{ENV}", f"Maintenance_Disable_{ENV}"
    )


def _jenkins_kind(method: str, path: str) -> str:
    """A request's kind: the path with job names as J and numbers as N."""
    parts = [p for p in path.strip("/").split("/") if p]
    kept: list[str] = []
    skip = False
    for part in parts:
        if skip:
            skip = False
            continue
        if part == "job":
            skip = True
            kept.append("job/J")
            continue
        kept.append("N" if part.isdigit() else part)
    return f"{method} /{'/'.join(kept)}"


def run_once(endpoint: str, strategy: str) -> RunResult:
    """Seed moto afresh and drive one ``restore run`` of ``strategy`` through the CLI."""
    from typer.testing import CliRunner

    from automation.cli import app
    from sccos_backup.aws.clients import make_client
    from sccos_backup.aws.maintenance import MaintenanceAdapter
    from sccos_backup.aws.rds import RdsAdapter
    from tests.conftest import FakeClock
    from tests.fake_jenkins import FakeJenkins
    from tests.inprocess_engine import InProcessEngine
    from tests.support.factory import FakeFactory

    _reset_and_seed(endpoint)
    clock = FakeClock()
    cli_calls: Counter[str] = Counter()
    engine_calls: Counter[str] = Counter()
    rds = counting(
        make_client("rds", region=REGION, profile=None, endpoint_url=endpoint), cli_calls
    )
    codepipeline = counting(
        make_client("codepipeline", region=REGION, profile=None, endpoint_url=endpoint), cli_calls
    )
    with (
        tempfile.TemporaryDirectory(prefix="sccos-bench-") as tmp,
        FakeJenkins(lifetime=3600.0) as jenkins,
    ):
        engine = InProcessEngine(endpoint, Path(tmp) / "state", region=REGION)
        counting(engine.client, engine_calls)
        context = FakeFactory(
            clock=clock,
            sleep=clock.sleep,
            interactive=False,
            engine=engine,
            maintenance=MaintenanceAdapter(codepipeline, clock=clock, sleep=clock.sleep),
            rds=RdsAdapter(rds, clock=clock, sleep=clock.sleep),
        )
        env = {
            "JENKINS_URL": jenkins.url,
            "JENKINS_USER": jenkins.user,
            "JENKINS_API_TOKEN": jenkins.token,
        }
        args = ["--endpoint-url", endpoint, "--region", REGION, "restore", "run", DB]
        args += ["--snapshot", SNAPSHOT, "--strategy", strategy, "--maintenance", ENV, "--yes"]
        start = time.perf_counter()
        result = CliRunner().invoke(app, args, obj=context, env=env)
        wall = time.perf_counter() - start
        with jenkins.lock:
            kinds = Counter(_jenkins_kind(r.method, r.path) for r in jenkins.requests)
    return RunResult(
        strategy=strategy,
        exit_code=result.exit_code,
        output=result.output,
        wall=wall,
        slept=sum(clock.slept),
        sleeps=len(clock.slept),
        cli_calls=cli_calls,
        engine_calls=engine_calls,
        jenkins=kinds,
    )


def measure(*, repeat: int = 3) -> list[Row]:
    """Rows for each strategy: median wall time of ``repeat`` runs after one warm-up run."""
    rows: list[Row] = []
    with fake_aws_environment(), moto_server() as endpoint:
        warm = run_once(endpoint, "in-place")  # imports, service models, first connections
        if warm.exit_code != 0:
            return [Row(AREA, "warm-up run (in-place)", _failure(warm), result=ERROR)]
        rows.append(
            Row(
                AREA,
                "in-place: first run in this process (cold: imports, service models; not "
                "counted for the target)",
                seconds(warm.wall),
            )
        )
        for strategy in ("in-place", "swap"):
            runs = [run_once(endpoint, strategy) for _ in range(repeat)]
            failed = [r for r in runs if r.exit_code != 0]
            if failed:
                rows.append(
                    Row(AREA, f"{strategy}: restore run", _failure(failed[0]), result=ERROR)
                )
                continue
            last = runs[-1]
            wall = statistics.median(r.wall for r in runs)
            what = f"{strategy}: wall time of the whole `restore run` (median of {repeat})"
            spread = f"{seconds(wall)} (min {min(r.wall for r in runs):.3f}, max "
            spread += f"{max(r.wall for r in runs):.3f})"
            rows.append(
                Row(AREA, what, spread, f"< {TARGET_SECONDS:.0f} s", verdict(wall < TARGET_SECONDS))
            )
            rows.append(
                Row(
                    AREA,
                    f"{strategy}: simulated seconds slept (FakeClock, not waited)",
                    f"{last.slept:.1f} s in {last.sleeps} sleeps",
                )
            )
            for title, counter in (
                ("AWS calls by the CLI's RDS/CodePipeline clients", last.cli_calls),
                ("AWS calls by the engine (stand-in for the aws provider)", last.engine_calls),
                ("Jenkins requests (FakeJenkins)", last.jenkins),
            ):
                rows.append(Row(AREA, f"{strategy}: {title}", str(sum(counter.values()))))
                rows += [
                    Row(AREA, f"{strategy}: - {name}", str(n))
                    for name, n in sorted(counter.items(), key=lambda x: (-x[1], x[0]))
                ]
            if any(
                (r.cli_calls, r.engine_calls, r.jenkins)
                != (last.cli_calls, last.engine_calls, last.jenkins)
                for r in runs
            ):
                rows.append(
                    Row(
                        AREA,
                        f"{strategy}: note",
                        "call counts differed between repeats",
                        result=ERROR,
                    )
                )
    return rows


def _failure(result: RunResult) -> str:
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    return f"exit {result.exit_code}: {lines[-1] if lines else '(no output)'}"


if __name__ == "__main__":  # pragma: no cover - for a quick look at one run's output
    with fake_aws_environment(), moto_server() as url:
        print(run_once(url, "in-place").output)
