"""The Jenkins adapter and run_resync, driven through the real python-jenkins client.

Every test talks HTTP to :mod:`tests.fake_jenkins` on 127.0.0.1; time is injected (FakeTime),
so polling never really sleeps.
"""

from __future__ import annotations

import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from sccos_backup import errors
from sccos_backup.defaults import DEFAULT_JOB
from sccos_backup.jenkins.client import JenkinsAdapter, JobAction, make_jenkins_adapter
from sccos_backup.jenkins.config import JenkinsConfig
from sccos_backup.jenkins.jobxml import (
    ShellJob,
    freestyle_config,
    read_shell_job,
    reconciled_config,
    shell_steps,
)
from sccos_backup.resync.job import JOB_DESCRIPTION, MARKER, ResyncRequest, ResyncResult, run_resync
from sccos_backup.resync.script import merge_script
from tests.fake_jenkins import BuildPlan, FakeJenkins, FakeTime


@pytest.fixture
def fake() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def adapter_for(
    fake: FakeJenkins,
    time: FakeTime,
    *,
    url: str | None = None,
    token: str | None = None,
    request_timeout: int = 5,
    user: str | None = None,
) -> JenkinsAdapter:
    config = JenkinsConfig(
        url=url or fake.url,
        user=user or fake.user,
        token=token or fake.token,
        request_timeout=request_timeout,
    )
    return make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)


def resync(
    fake: FakeJenkins, time: FakeTime, request: ResyncRequest | None = None
) -> tuple[ResyncResult, list[str]]:
    output: list[str] = []
    result = run_resync(adapter_for(fake, time), request or ResyncRequest(), output.append)
    return result, output


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SPRYKER_JOB_SCRIPT = """#!/bin/bash
set -e
cd /data
source /data/env/.env.jenkins
export SPRYKER_CURRENT_REGION=EU
APPLICATION_STORE="AT" ./vendor/bin/console queue:worker:start --stop-when-empty && echo done
vendor/bin/console scheduler:clean
"""


# ---------------------------------------------------------------------------- success


def test_success_creates_the_job_runs_it_and_streams_its_console(
    fake: FakeJenkins, time: FakeTime
) -> None:
    result, output = resync(fake, time)

    assert result == ResyncResult(
        job=DEFAULT_JOB,
        job_action=JobAction.CREATED,
        build_number=1,
        result="SUCCESS",
        duration_seconds=42.0,
        url=f"{fake.url}job/{DEFAULT_JOB}/1/",
    )
    assert shell_steps(fake.jobs[DEFAULT_JOB]) == ("vendor/bin/console sync:data\n",)
    root = ET.fromstring(fake.jobs[DEFAULT_JOB])
    assert root.tag == "project"
    assert root.findtext("disabled") == "false"
    assert "".join(output) == fake.build(DEFAULT_JOB).log.decode()
    assert "".join(output).endswith("Finished: SUCCESS\n")
    # Every POST carried the crumb and every request the Basic auth header.
    posts = fake.calls("POST")
    assert [p.path for p in posts] == ["/createItem", f"/job/{DEFAULT_JOB}/build"]
    assert all(p.headers.get("Jenkins-Crumb") for p in posts)
    assert all(r.headers.get("Authorization", "").startswith("Basic ") for r in fake.requests)
    assert fake.calls("GET", "/crumbIssuer/api/json")
    # The console was followed through progressiveText with the offset Jenkins gave.
    starts = [r.query["start"] for r in fake.calls("GET", "logText/progressiveText")]
    sizes = [0] + [len(b"".join(fake.build(DEFAULT_JOB).chunks[:i])) for i in range(1, 3)]
    assert starts == [str(size) for size in sizes]


def test_second_run_leaves_an_equal_job_alone(fake: FakeJenkins, time: FakeTime) -> None:
    resync(fake, time)
    second, _ = resync(fake, time)

    assert second.job_action is JobAction.UNCHANGED
    assert second.build_number == 2
    assert not fake.calls("POST", "config.xml")


def test_existing_job_with_another_script_is_updated_keeping_the_rest(
    fake: FakeJenkins, time: FakeTime
) -> None:
    existing = freestyle_config(
        ShellJob("vendor/bin/console queue:worker:start\n"), description=JOB_DESCRIPTION
    )
    existing = existing.replace(
        "<publishers />", "<publishers><hudson.tasks.Mailer /></publishers>"
    ).replace("<disabled>false</disabled>", "<disabled>true</disabled>")
    fake.add_job(DEFAULT_JOB, existing)

    result, _ = resync(fake, time, ResyncRequest(store="DE", resources=("url",), enable=True))

    assert result.job_action is JobAction.UPDATED
    assert len(fake.calls("POST", f"/job/{DEFAULT_JOB}/config.xml")) == 1
    root = ET.fromstring(fake.jobs[DEFAULT_JOB])
    assert shell_steps(fake.jobs[DEFAULT_JOB]) == (
        "export APPLICATION_STORE=DE\nvendor/bin/console sync:data url\n",
    )
    assert root.findtext("disabled") == "false"
    assert root.find("publishers/hudson.tasks.Mailer") is not None  # kept


def test_existing_job_differing_only_in_line_ends_is_left_alone(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.add_job(
        DEFAULT_JOB,
        "<?xml version='1.1' encoding='UTF-8'?>\n<project><description>mine\n"
        f"{MARKER}</description>"
        "<builders><hudson.tasks.Shell><command>vendor/bin/console sync:data  &#13;\n\n"
        "</command></hudson.tasks.Shell></builders></project>",
    )

    result, _ = resync(fake, time)

    assert result.job_action is JobAction.UNCHANGED
    assert not fake.calls("POST", "config.xml")


def test_pipeline_job_of_the_same_name_is_not_overwritten(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.add_job(DEFAULT_JOB, "<flow-definition><definition /></flow-definition>")

    with pytest.raises(errors.PreconditionFailed, match="not a freestyle project"):
        resync(fake, time)
    assert not fake.calls("POST")


def test_job_in_folders(fake: FakeJenkins, time: FakeTime) -> None:
    fake.add_folder("ops")
    fake.add_folder("ops/restore")

    result, output = resync(fake, time, ResyncRequest(job="ops/restore/sync"))

    assert result.job_action is JobAction.CREATED
    assert "ops/restore/sync" in fake.jobs
    assert fake.calls("POST", "/job/ops/job/restore/createItem")
    assert fake.calls("POST", "/job/ops/job/restore/job/sync/build")
    assert result.url == f"{fake.url}job/ops/job/restore/job/sync/1/"
    assert "".join(output).endswith("Finished: SUCCESS\n")


def test_xml_round_trip_keeps_angle_brackets_ampersands_and_quotes(
    fake: FakeJenkins, time: FakeTime
) -> None:
    command = (
        "test \"$(date +%H)\" '<' 23 && echo \"a<b & c>d\" 'x&y' > /dev/null; "
        "vendor/bin/console sync:data url 2>&1 | tee sync.log\n"
        "echo ']]> <![CDATA[ &amp; \"done\"'"
    )
    first, _ = resync(fake, time, ResyncRequest(command=command))
    second, _ = resync(fake, time, ResyncRequest(command=command))

    assert shell_steps(fake.jobs[DEFAULT_JOB]) == (command + "\n",)
    assert "&amp;&amp;" in fake.jobs[DEFAULT_JOB]  # escaped on the wire, not raw
    assert (first.job_action, second.job_action) == (JobAction.CREATED, JobAction.UNCHANGED)


def test_xml_round_trip_pure() -> None:
    script = "a < b && c > d; echo \"q\" 'r' &amp; ]]>\n"
    assert shell_steps(freestyle_config(ShellJob(script))) == (script,)
    ours = freestyle_config(ShellJob(script), description=MARKER)
    assert reconciled_config(ours, ShellJob(script), job="j") is None


# ---------------------------------------------------------------------------- copy script


def test_copy_script_from_keeps_the_setup_and_replaces_the_console_call(
    fake: FakeJenkins, time: FakeTime
) -> None:
    source = freestyle_config(ShellJob(SPRYKER_JOB_SCRIPT, assigned_node="scheduler"))
    fake.add_job("DE-queue-worker-start", source)

    result, _ = resync(
        fake,
        time,
        ResyncRequest(
            copy_script_from="DE-queue-worker-start",
            store="DE",
            resources=("url", "product_abstract"),
        ),
    )

    assert result.job_action is JobAction.CREATED
    created = read_shell_job(fake.jobs[DEFAULT_JOB])
    assert created.assigned_node == "scheduler"
    assert created.script == (
        "#!/bin/bash\n"
        "set -e\n"
        "cd /data\n"
        "source /data/env/.env.jenkins\n"
        "export SPRYKER_CURRENT_REGION=EU\n"
        "APPLICATION_STORE=DE ./vendor/bin/console sync:data url && echo done\n"
        "APPLICATION_STORE=DE ./vendor/bin/console sync:data product_abstract && echo done"
    )
    assert fake.jobs["DE-queue-worker-start"] == source  # the source job is only read


def test_copy_script_from_joins_all_shell_steps_and_follows_changes(
    fake: FakeJenkins, time: FakeTime
) -> None:
    config = (
        "<project><builders>"
        "<hudson.tasks.Shell><command>export APP_ENV=prod</command></hudson.tasks.Shell>"
        "<hudson.plugins.other.Step />"
        "<hudson.tasks.Shell><command>vendor/bin/console cache:warm</command>"
        "</hudson.tasks.Shell></builders></project>"
    )
    fake.add_job("warm", config)
    request = ResyncRequest(copy_script_from="warm", store="US")

    first, _ = resync(fake, time, request)
    assert shell_steps(fake.jobs[DEFAULT_JOB]) == (
        "export APP_ENV=prod\nexport APPLICATION_STORE=US\nvendor/bin/console sync:data\n",
    )
    fake.jobs["warm"] = config.replace("APP_ENV=prod", "APP_ENV=staging")
    second, _ = resync(fake, time, request)
    third, _ = resync(fake, time, request)

    assert (first.job_action, second.job_action, third.job_action) == (
        JobAction.CREATED,
        JobAction.UPDATED,
        JobAction.UNCHANGED,
    )
    assert "APP_ENV=staging" in shell_steps(fake.jobs[DEFAULT_JOB])[0]


def test_copy_script_from_a_missing_job(fake: FakeJenkins, time: FakeTime) -> None:
    with pytest.raises(errors.JenkinsJobMissing, match=r"job 'nope' \(--copy-script-from\)"):
        resync(fake, time, ResyncRequest(copy_script_from="nope"))
    assert not fake.calls("POST")


def test_copy_script_from_a_job_without_console_call(fake: FakeJenkins, time: FakeTime) -> None:
    fake.add_job("backup", freestyle_config(ShellJob("pg_dump shop > dump.sql")))
    with pytest.raises(errors.PreconditionFailed, match="never calls vendor/bin/console"):
        resync(fake, time, ResyncRequest(copy_script_from="backup"))
    assert not fake.calls("POST")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "vendor/bin/console queue:task:start event",
            "export APPLICATION_STORE=DE\nvendor/bin/console sync:data url",
        ),
        (
            'docker exec -e APPLICATION_STORE=AT app sh -c "vendor/bin/console oms:check -q"',
            'docker exec -e APPLICATION_STORE=DE app sh -c "vendor/bin/console sync:data url"',
        ),
        (
            "/data/vendor/bin/console publish:trigger-events 'a b'; echo ok # note",
            "export APPLICATION_STORE=DE\n/data/vendor/bin/console sync:data url; echo ok # note",
        ),
        (
            "export APPLICATION_STORE='AT'\nvendor/bin/console x | tee log",
            "export APPLICATION_STORE=DE\nvendor/bin/console sync:data url | tee log",
        ),
    ],
)
def test_merge_script_replaces_only_the_console_call(line: str, expected: str) -> None:
    request = ResyncRequest(copy_script_from="src", store="DE", resources=("url",))
    assert merge_script(line, request, source="src") == expected + "\n"


def test_merge_script_with_a_custom_command_replaces_binary_and_arguments() -> None:
    request = ResyncRequest(copy_script_from="src", command="php -d memory_limit=2G x.php")
    assert (
        merge_script("cd /data && ./vendor/bin/console a:b", request, source="src")
        == "cd /data && php -d memory_limit=2G x.php\n"
    )


# ---------------------------------------------------------------------------- build failures


@pytest.mark.parametrize("result", ["FAILURE", "ABORTED", "UNSTABLE"])
def test_a_build_that_does_not_succeed_raises_with_the_console_tail(
    fake: FakeJenkins, time: FakeTime, result: str
) -> None:
    lines = [f"line {i}\n" for i in range(1, 31)]
    fake.plan(BuildPlan(result=result, chunks=["".join(lines[:15]), "".join(lines[15:])]))

    with pytest.raises(errors.JenkinsBuildFailed) as caught:
        resync(fake, time)

    assert caught.value.result == result
    assert caught.value.console_tail == "".join(lines[10:]).rstrip("\n")
    message = str(caught.value)
    assert f"ended {result}" in message and DEFAULT_JOB in message and "\n" not in message
    assert fake.url in message


# ---------------------------------------------------------------------------- queue


def test_queue_item_waiting_for_an_executor(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(queue_waits=3))
    polls: list[str] = []

    result = run_resync(
        adapter_for(fake, time),
        ResyncRequest(),
        lambda text: None,
        on_poll=lambda poll: polls.append(poll.status),
    )

    assert result.result == "SUCCESS"
    assert len(fake.calls("GET", "/queue/item/")) == 4
    assert polls[:3] == ["Waiting for next available executor"] * 3
    assert len(time.slept) >= 3  # the injected sleep was used between polls


def test_cancelled_queue_item(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(queue_waits=1, queue_outcome="cancel"))
    with pytest.raises(errors.JenkinsQueueError, match=r"queue item \d+ .* was cancelled"):
        resync(fake, time)
    assert fake.builds == {}


def test_expired_queue_item(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(queue_waits=2, queue_outcome="expire"))
    with pytest.raises(errors.JenkinsQueueError, match=r"disappeared .*expired"):
        resync(fake, time)


def test_queue_timeout(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(queue_waits=10_000))
    with pytest.raises(errors.WaitTimeout, match="queue-timeout"):
        resync(fake, time, ResyncRequest(queue_timeout=30))
    assert sum(time.slept) <= 31
    assert len(fake.calls("GET", "/queue/item/")) < 50


def test_build_timeout_leaves_the_build_running(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(never_ends=True))
    with pytest.raises(errors.WaitTimeout, match=r"still running after .*build-timeout"):
        resync(fake, time, ResyncRequest(build_timeout=60))
    assert fake.build(DEFAULT_JOB).building
    assert not fake.calls("POST", "/stop")


# ---------------------------------------------------------------------------- streaming


def test_long_build_streams_in_order_and_completely_before_it_ends(
    fake: FakeJenkins, time: FakeTime
) -> None:
    chunks = [f"chunk {i}: " + "x" * (i * 37) + "\n" for i in range(1, 9)]
    fake.plan(BuildPlan(chunks=chunks))
    seen: list[tuple[str, bool]] = []

    def on_output(text: str) -> None:
        seen.append((text, fake.build(DEFAULT_JOB).building))

    run_resync(adapter_for(fake, time), ResyncRequest(), on_output)

    assert [text for text, _ in seen] == chunks
    # All but the last chunk arrived while Jenkins still reported the build as running.
    assert all(building for _, building in seen[:-1])
    assert not seen[-1][1]
    assert "".join(t for t, _ in seen) == fake.build(DEFAULT_JOB).log.decode()


def test_utf8_split_across_chunks_is_decoded_whole(fake: FakeJenkins, time: FakeTime) -> None:
    text = "Synchronisiere Übersetzungen für Größen ✓\n".encode()
    cut = text.index("Ü".encode()) + 1  # inside the two bytes of Ü
    fake.plan(BuildPlan(chunks=[text[:cut], text[cut:]]))
    _, output = resync(fake, time)
    assert "".join(output) == text.decode()


def test_no_real_sleeping(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(chunks=["a\n"] * 5, queue_waits=2))
    resync(fake, time)
    assert time.slept and all(0 < s <= 30 for s in time.slept)


# ---------------------------------------------------------------------------- refusals


def test_wrong_token_is_an_auth_error_without_the_token(fake: FakeJenkins, time: FakeTime) -> None:
    wrong = "tok-SECRET-WRONG-000111"
    with pytest.raises(errors.JenkinsAuthError) as caught:
        run_resync(adapter_for(fake, time, token=wrong), ResyncRequest(), print)
    message = str(caught.value)
    assert "HTTP 401" in message and "are they swapped?" in message and fake.url in message
    assert wrong not in message and fake.token not in message
    assert not fake.jobs


@pytest.mark.parametrize("combination", ["swapped", "token-twice", "token-as-user"])
def test_no_token_in_any_message_for_swapped_or_wrong_credentials(
    fake: FakeJenkins, time: FakeTime, combination: str
) -> None:
    """JENKINS_USER and JENKINS_API_TOKEN swapped printed the token twice in the 401 line
    (as the user, and in the URL to create a new token)."""
    wrong = "11aa22bb33cc44dd55ee66ff77aa88bb99"  # shaped like a Jenkins API token
    user, token = {
        "swapped": (fake.token, fake.user),
        "token-twice": (fake.token, fake.token),
        "token-as-user": (wrong, "tok-SECRET-WRONG-000222"),
    }[combination]
    with pytest.raises(errors.JenkinsAuthError) as caught:
        run_resync(adapter_for(fake, time, user=user, token=token), ResyncRequest(), print)
    message = str(caught.value)
    assert "HTTP 401" in message and "swapped" in message
    for secret in (fake.token, wrong, token):
        assert secret not in message, combination
    assert not fake.jobs


def test_refused_crumb_for_a_password_login(time: FakeTime) -> None:
    with FakeJenkins(refuse_crumb=True) as fake:
        adapter = adapter_for(fake, time, token=fake.password)
        with pytest.raises(errors.JenkinsCrumbError, match="refused the CSRF crumb"):
            run_resync(adapter, ResyncRequest(), print)
        assert fake.calls("GET", "/crumbIssuer/api/json")
        assert not fake.jobs


def test_jenkins_without_csrf_protection_gets_no_crumb_from_another_server(
    fake: FakeJenkins, time: FakeTime
) -> None:
    resync(fake, time)  # a server with CSRF protection first: its crumb must not leak
    with FakeJenkins(csrf=False) as other:
        result, _ = resync(other, time)
        assert result.result == "SUCCESS"
        assert other.calls("POST")
        assert all("Jenkins-Crumb" not in r.headers for r in other.calls("POST"))


def test_missing_folder(fake: FakeJenkins, time: FakeTime) -> None:
    with pytest.raises(errors.JenkinsJobMissing, match="folder 'ops/restore' of job"):
        resync(fake, time, ResyncRequest(job="ops/restore/sync"))


def test_unreachable_server(time: FakeTime) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    config = JenkinsConfig(url=url, user="u", token="tok-SECRET-x", request_timeout=2)
    adapter = make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)
    with pytest.raises(errors.JenkinsUnreachable, match="connection refused") as caught:
        run_resync(adapter, ResyncRequest(), print)
    assert url in str(caught.value) and "tok-SECRET-x" not in str(caught.value)


def test_a_server_that_never_answers_times_out(time: FakeTime) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        accepted: list[socket.socket] = []
        stop = threading.Event()

        def accept() -> None:
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    accepted.append(listener.accept()[0])
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            config = JenkinsConfig(
                url=f"http://127.0.0.1:{port}", user="u", token="t", request_timeout=1
            )
            adapter = make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)
            with pytest.raises(errors.JenkinsUnreachable, match="did not answer within 1 s"):
                adapter.job_config("x")
        finally:
            stop.set()
            thread.join(timeout=2)
            for conn in accepted:
                conn.close()


# ---------------------------------------------------------------------------- secrets, input


def test_the_token_is_in_no_repr() -> None:
    config = JenkinsConfig(url="https://jenkins.example/", user="ops", token="tok-SECRET-repr")
    adapter = make_jenkins_adapter(config, sleep=lambda s: None, clock=FakeTime().clock)
    assert "tok-SECRET-repr" not in repr(config)
    assert "tok-SECRET-repr" not in str(config)
    assert "tok-SECRET-repr" not in repr(adapter)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "jenkins.example"}, "not an http"),
        ({"url": "https://ops:s3cr3t@jenkins.example/"}, "must not contain"),
        ({"user": ""}, "user is empty"),
        ({"token": ""}, "token is empty"),
    ],
)
def test_invalid_config(kwargs: dict[str, str], message: str) -> None:
    values = {"url": "https://jenkins.example/", "user": "ops", "token": "t"} | kwargs
    with pytest.raises(errors.InvalidInput, match=message) as caught:
        JenkinsConfig(**values)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"job": "a//b"}, "not a valid Jenkins job name"),
        ({"job": "sync?data"}, "characters Jenkins does not allow"),
        ({"store": "DE; rm -rf /"}, "not a store name"),
        ({"resources": ("url;id",)}, "not a sync:data resource"),
        ({"resources": ("url", "url")}, "given twice"),
        ({"command": "x", "resources": ("url",)}, "do not go together"),
        ({"command": "   "}, "--command is empty"),
        ({"command": "echo \x07"}, "control characters"),
        ({"copy_script_from": DEFAULT_JOB}, "names the job itself"),
        ({"queue_timeout": 0}, "--queue-timeout must be a positive"),
    ],
)
def test_invalid_request(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(errors.InvalidInput, match=message):
        ResyncRequest(**kwargs)  # type: ignore[arg-type]


def test_an_interrupt_after_the_build_finished_stops_nothing(
    fake: FakeJenkins, time: FakeTime
) -> None:
    """Ctrl-C while the end of a finished build was read POSTed /stop and reported
    'stopped build #1'; a finished build is never stopped."""
    from sccos_backup.jenkins.builds import BuildRef
    from sccos_backup.resync.job import _interrupted

    fake.plan(BuildPlan(chunks=["done\n"]))
    resync(fake, time)
    build = BuildRef(DEFAULT_JOB, 1, f"{fake.url}job/{DEFAULT_JOB}/1/")
    interrupted = _interrupted(adapter_for(fake, time), ResyncRequest(), None, build)
    assert not fake.calls("POST", "/stop")
    assert "stopped build" not in str(interrupted)
    assert "already finished (SUCCESS)" in str(interrupted)


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "exa..mple.com"])
def test_a_host_that_fails_idna_is_one_clean_line(time: FakeTime, host: str) -> None:
    config = JenkinsConfig(url=f"https://{host}/", user="ops", token="tok-SECRET-IDNA-1")
    adapter = make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)
    with pytest.raises(errors.JenkinsError) as caught:
        run_resync(adapter, ResyncRequest(), print)
    message = str(caught.value)
    assert "not a valid host name" in message and "--jenkins-url" in message
    assert "\n" not in message and "Jenkins JSON" not in message
