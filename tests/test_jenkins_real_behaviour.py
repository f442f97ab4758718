"""What a real Jenkins does that a simpler fake would not, one test per finding.

Each test drives the real python-jenkins client against :mod:`tests.fake_jenkins` (modelled on
Jenkins core's sources, see its docstring) with injected time.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from sccos_backup import errors
from sccos_backup.defaults import DEFAULT_JOB
from sccos_backup.jenkins.client import JenkinsAdapter, JobAction, make_jenkins_adapter
from sccos_backup.jenkins.config import JenkinsConfig
from sccos_backup.jenkins.jobxml import ShellJob, freestyle_config, read_shell_job, shell_steps
from sccos_backup.resync import job as resync_job
from sccos_backup.resync.job import JOB_DESCRIPTION, ResyncRequest, run_resync
from sccos_backup.resync.script import plan_script
from tests.fake_jenkins import BuildPlan, FakeBuild, FakeJenkins, FakeTime
from tests.fake_jenkins_state import is_queued

SECRET = "tok-SECRET-url-7d6c5b"


@pytest.fixture
def fake() -> Iterator[FakeJenkins]:
    with FakeJenkins() as server:
        yield server


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def adapter_for(
    fake: FakeJenkins, time: FakeTime, *, secret: str | None = None, url: str | None = None
) -> JenkinsAdapter:
    config = JenkinsConfig(
        url=url or fake.url, user=fake.user, token=secret or fake.token, request_timeout=5
    )
    return make_jenkins_adapter(config, sleep=time.sleep, clock=time.clock)


def managed(script: str = "vendor/bin/console sync:data\n", **replace: str) -> str:
    """A job as this tool creates it (with the ownership marker), with text replacements."""
    config = freestyle_config(ShellJob(script), description=JOB_DESCRIPTION)
    for old, new in replace.items():
        config = config.replace(old, new)
    return config


UNMARKED = freestyle_config(ShellJob("vendor/bin/console queue:worker:start\n"), description="ops")


# ---------------------------------------------------------------------------- URL leaks


@pytest.mark.parametrize(
    "url",
    [
        f"admin:{SECRET}@jenkins.example",
        f"http:/admin:{SECRET}@jenkins.example",
        f"//admin:{SECRET}@jenkins.example",
        f"https//admin:{SECRET}@jenkins.example",
        f"https://admin:{SECRET}@jenkins.example/",
        f"https://jenkins.example/?token={SECRET}",
        f"https://jenkins.example/#{SECRET}",
        f"https://jenkins.example/{SECRET}/",
        f"jenkins.example/{SECRET}",
        f"ftp://jenkins.example/{SECRET}",
    ],
    ids=lambda url: "url-" + url.replace(SECRET, "TOKEN"),
)
def test_a_rejected_url_is_described_never_echoed(url: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        JenkinsConfig(url=url, user="ops", token=SECRET)
    message = str(caught.value)
    assert SECRET not in message
    assert "admin" not in message  # no part of the URL at all
    assert "--jenkins-url" in message


# ---------------------------------------------------------------------------- CSRF and 403


def test_api_token_posts_need_no_crumb(time: FakeTime) -> None:
    with FakeJenkins(refuse_crumb=True) as fake:  # even a refused crumb does not matter
        result = run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
        assert result.result == "SUCCESS"


def test_password_login_works_through_the_session_bound_crumb(
    fake: FakeJenkins, time: FakeTime
) -> None:
    result = run_resync(
        adapter_for(fake, time, secret=fake.password), ResyncRequest(), lambda text: None
    )
    assert result.result == "SUCCESS"
    posts = fake.calls("POST")
    assert posts and all("JSESSIONID.fake1234=" in p.headers.get("Cookie", "") for p in posts)


def test_password_login_with_a_refused_crumb_is_a_crumb_error(time: FakeTime) -> None:
    with FakeJenkins(refuse_crumb=True) as fake:
        with pytest.raises(errors.JenkinsCrumbError, match="refused the CSRF crumb") as caught:
            run_resync(
                adapter_for(fake, time, secret=fake.password), ResyncRequest(), lambda text: None
            )
        assert fake.password not in str(caught.value)
        assert not fake.jobs


@pytest.mark.parametrize(
    ("permission", "shown"),
    [
        ("hudson.model.Item.Create", "Job/Create"),
        ("hudson.model.Item.Build", "Job/Build"),
    ],
)
def test_a_missing_permission_is_named_from_the_headers_not_taken_for_a_crumb(
    fake: FakeJenkins, time: FakeTime, permission: str, shown: str
) -> None:
    fake.forbid.add(permission)
    with pytest.raises(errors.JenkinsAuthError) as caught:
        run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
    message = str(caught.value)
    assert "crumb" not in message.lower()
    assert shown in message and permission in message and f"'{fake.user}'" in message
    assert "hudson.model.Hudson.Administer" in message  # what implies it


# ---------------------------------------------------------------------------- queue and retries


def test_a_left_item_without_executable_yet_is_polled_until_the_build_appears(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.plan(BuildPlan(left_without_executable=3))
    result = run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
    assert result.build_number == 1 and result.result == "SUCCESS"


def test_quiet_period_and_blocked_items_are_waited_for(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(quiet_polls=2, queue_waits=1))
    statuses: list[str] = []
    run_resync(
        adapter_for(fake, time),
        ResyncRequest(),
        lambda text: None,
        on_poll=lambda poll: statuses.append(poll.status),
    )
    assert statuses[:3] == [
        "In the quiet period. Expires in 4.9 sec",
        "In the quiet period. Expires in 4.9 sec",
        "Waiting for next available executor",
    ]


@pytest.mark.parametrize("path", ["/queue/item/", "logText/progressiveText", "/api/json"])
def test_transient_502s_on_reads_are_retried_with_backoff(
    fake: FakeJenkins, time: FakeTime, path: str
) -> None:
    fake.add_job(DEFAULT_JOB, managed())
    fake.plan(BuildPlan(queue_waits=1))
    adapter = adapter_for(fake, time)
    adapter.job_config(DEFAULT_JOB)  # the server has answered once: later failures are transient
    fake.flaky[path] = 2
    result = run_resync(adapter, ResyncRequest(), lambda text: None)
    assert result.result == "SUCCESS"
    assert fake.flaky[path] == 0
    assert len(fake.calls("POST", "/build")) == 1  # POSTs are never retried


def test_a_persistent_502_gives_up_after_a_bounded_number_of_retries(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.add_job(DEFAULT_JOB, managed())
    adapter = adapter_for(fake, time)
    adapter.job_config(DEFAULT_JOB)
    fake.flaky["/queue/item/"] = 1000
    with pytest.raises(errors.JenkinsError, match="HTTP 502"):
        run_resync(adapter, ResyncRequest(), lambda text: None)
    assert 2 <= len(fake.calls("GET", "/queue/item/")) <= 6
    assert sum(time.slept) < 60


# ---------------------------------------------------------------------------- job shapes


def test_a_parameterized_job_is_built_with_its_default_parameters(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.add_job(
        DEFAULT_JOB,
        managed(
            **{
                "<properties />": "<properties><hudson.model.ParametersDefinitionProperty>"
                "<parameterDefinitions><hudson.model.StringParameterDefinition><name>STORE"
                "</name><defaultValue>DE</defaultValue></hudson.model.StringParameterDefinition>"
                "</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>"
            }
        ),
    )
    result = run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
    assert result.result == "SUCCESS"
    assert [r.path.rsplit("/", 1)[-1] for r in fake.calls("POST")] == ["buildWithParameters"]


def test_an_xml_1_1_config_with_control_character_references_is_read_and_kept(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.add_job(
        "colour",
        "<?xml version='1.1' encoding='UTF-8'?>\n<project><builders><hudson.tasks.Shell>"
        "<command>echo -e '&#27;[32mgo&#27;[0m'\nvendor/bin/console queue:worker:start"
        "</command></hudson.tasks.Shell></builders></project>",
    )
    assert read_shell_job(fake.jobs["colour"]).script.startswith("echo -e '\x1b[32mgo")
    run_resync(adapter_for(fake, time), ResyncRequest(copy_script_from="colour"), print)
    written = fake.jobs[DEFAULT_JOB]
    assert "&#27;[32mgo&#27;[0m" in written and "\x1b" not in written
    assert shell_steps(written)[0].endswith("vendor/bin/console sync:data\n")


def test_a_copied_script_with_a_shebang_keeps_failing_on_the_first_error(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.add_job(
        "worker", freestyle_config(ShellJob("#!/bin/bash\ncd /data\nvendor/bin/console x:y\n"))
    )
    request = ResyncRequest(copy_script_from="worker", resources=("url", "glossary"))
    run_resync(adapter_for(fake, time), request, lambda text: None)
    assert read_shell_job(fake.jobs[DEFAULT_JOB]).script.split("\n")[:2] == [
        "#!/bin/bash",
        "set -e",
    ]


def test_a_shebang_that_already_fails_fast_is_left_alone() -> None:
    request = ResyncRequest(copy_script_from="src")
    for script in (
        "#!/bin/bash -e\nvendor/bin/console a",
        "#!/bin/sh\nset -eu\nvendor/bin/console a",
    ):
        planned = plan_script(request, ShellJob(script)).script
        assert "\nset -e\n" not in planned.replace("set -eu", "")


# ---------------------------------------------------------------------------- redirects, paths


def test_a_redirect_is_reported_with_the_url_to_use_before_anything_is_posted(
    time: FakeTime,
) -> None:
    with FakeJenkins() as target, FakeJenkins(redirect_to=target.url) as moved:
        with pytest.raises(errors.JenkinsError, match="redirect") as caught:
            run_resync(adapter_for(moved, time), ResyncRequest(), lambda text: None)
        assert target.url in str(caught.value) and "--jenkins-url" in str(caught.value)
        assert not moved.calls("POST") and not target.calls("POST")


def test_jenkins_under_a_context_path(time: FakeTime) -> None:
    with FakeJenkins(context_path="/jenkins") as fake:
        result = run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
        assert result.url == f"{fake.root}jenkins/job/{DEFAULT_JOB}/1/"
        assert all(r.path.startswith("/jenkins/") for r in fake.requests)


# ---------------------------------------------------------------------------- ownership


def test_an_unmarked_job_is_not_changed_without_adopt(fake: FakeJenkins, time: FakeTime) -> None:
    fake.add_job(DEFAULT_JOB, UNMARKED)
    with pytest.raises(errors.PreconditionFailed, match="--adopt"):
        run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
    assert fake.jobs[DEFAULT_JOB] == UNMARKED
    assert not fake.calls("POST")


def test_adopt_saves_the_previous_config_summarises_the_change_then_marks_the_job(
    fake: FakeJenkins, time: FakeTime, tmp_path: Path
) -> None:
    fake.add_job(DEFAULT_JOB, UNMARKED)
    status: list[str] = []
    request = ResyncRequest(adopt=True, save_dir=tmp_path)

    result = run_resync(
        adapter_for(fake, time), request, lambda text: None, on_status=status.append
    )

    assert result.job_action is JobAction.UPDATED
    saved = list(tmp_path.iterdir())
    assert len(saved) == 1 and saved[0].read_text() == UNMARKED
    text = "\n".join(status)
    assert "queue:worker:start" not in text, "a summary only, never the foreign config"
    assert "line(s) added" in text and str(saved[0]) in text
    root = ET.fromstring(fake.jobs[DEFAULT_JOB])
    assert resync_job.MARKER in (root.findtext("description") or "")
    assert (root.findtext("description") or "").startswith("ops")  # kept, marker appended
    again = run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
    assert again.job_action is JobAction.UNCHANGED  # now ours: no --adopt needed


def test_a_disabled_job_stays_disabled_without_enable(fake: FakeJenkins, time: FakeTime) -> None:
    disabled = managed(**{"<disabled>false</disabled>": "<disabled>true</disabled>"})
    fake.add_job(DEFAULT_JOB, disabled)
    with pytest.raises(errors.PreconditionFailed, match=r"disabled.*--enable"):
        run_resync(adapter_for(fake, time), ResyncRequest(resources=("url",)), lambda text: None)
    assert fake.jobs[DEFAULT_JOB] == disabled and not fake.calls("POST")

    result = run_resync(adapter_for(fake, time), ResyncRequest(enable=True), lambda text: None)
    assert result.result == "SUCCESS"
    assert ET.fromstring(fake.jobs[DEFAULT_JOB]).findtext("disabled") == "false"


def test_only_the_documented_parts_change(fake: FakeJenkins, time: FakeTime) -> None:
    fake.add_job(
        DEFAULT_JOB,
        managed(
            **{
                "<publishers />": "<publishers><hudson.tasks.Mailer /></publishers>",
                "<concurrentBuild>false</concurrentBuild>": "<concurrentBuild>false"
                "</concurrentBuild><customWorkspace>/data</customWorkspace>",
            }
        ),
    )
    run_resync(adapter_for(fake, time), ResyncRequest(store="DE"), lambda text: None)
    root = ET.fromstring(fake.jobs[DEFAULT_JOB])
    assert root.find("publishers/hudson.tasks.Mailer") is not None
    assert root.findtext("customWorkspace") == "/data"
    assert shell_steps(fake.jobs[DEFAULT_JOB]) == (
        "export APPLICATION_STORE=DE\nvendor/bin/console sync:data\n",
    )


# ---------------------------------------------------------------------------- running builds


def running_build(fake: FakeJenkins) -> FakeBuild:
    fake.add_job(DEFAULT_JOB, managed())
    build = FakeBuild(DEFAULT_JOB, 1, BuildPlan(chunks=["a\n", "b\n", "c\n"]))
    build.revealed = 1
    fake.builds[DEFAULT_JOB] = [build]
    return build


def test_resume_attaches_to_the_running_build_instead_of_starting_another(
    fake: FakeJenkins, time: FakeTime
) -> None:
    build = running_build(fake)
    output: list[str] = []

    result = resync_job.run_resync(
        adapter_for(fake, time), ResyncRequest(), output.append, attach=True
    )

    assert result.build_number == 1 and result.attached
    assert not fake.calls("POST")
    assert "".join(output) == build.log.decode()  # the whole console, from the start


def test_resume_attaches_to_a_queued_item_of_the_job(fake: FakeJenkins, time: FakeTime) -> None:
    fake.add_job(DEFAULT_JOB, managed())
    fake.plan(BuildPlan(queue_waits=2))
    adapter = adapter_for(fake, time)
    queue_id = adapter.start_build(DEFAULT_JOB)

    result = resync_job.run_resync(adapter, ResyncRequest(), lambda text: None, attach=True)

    assert result.attached and len(fake.calls("POST", "/build")) == 1
    assert fake.build(DEFAULT_JOB).queue_id == queue_id


def test_resume_starts_a_build_when_none_runs(fake: FakeJenkins, time: FakeTime) -> None:
    result = resync_job.run_resync(adapter_for(fake, time), ResyncRequest(), print, attach=True)
    assert result.job_action is JobAction.CREATED and not result.attached


def test_a_plain_run_refuses_to_queue_behind_a_running_build(
    fake: FakeJenkins, time: FakeTime
) -> None:
    running_build(fake)
    with pytest.raises(errors.PreconditionFailed, match=r"#1 .*already running.*--follow"):
        run_resync(adapter_for(fake, time), ResyncRequest(), lambda text: None)
    assert not fake.calls("POST")


# ---------------------------------------------------------------------------- interrupts


def interrupt_after(count: int) -> object:
    calls = [0]

    def callback(_: object) -> None:
        calls[0] += 1
        if calls[0] >= count:
            raise KeyboardInterrupt

    return callback


def test_an_interrupt_while_building_stops_exactly_that_build_once(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.plan(BuildPlan(never_ends=True, chunks=["x\n"] * 50))
    with pytest.raises(errors.Interrupted) as caught:
        run_resync(adapter_for(fake, time), ResyncRequest(), interrupt_after(2))  # type: ignore[arg-type]
    build = fake.build(DEFAULT_JOB)
    assert build.result == "ABORTED"
    assert [r.path for r in fake.calls("POST", "/stop")] == [f"/job/{DEFAULT_JOB}/1/stop"]
    assert f"{fake.url}job/{DEFAULT_JOB}/1/" in str(caught.value)


def test_an_interrupt_while_queued_cancels_the_queue_item(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.plan(BuildPlan(queue_waits=10_000))
    with pytest.raises(errors.Interrupted, match="cancelled queue item"):
        run_resync(
            adapter_for(fake, time),
            ResyncRequest(),
            lambda text: None,
            on_poll=interrupt_after(2),  # type: ignore[arg-type]
        )
    cancels = fake.calls("POST", "/queue/cancelItem")
    assert len(cancels) == 1 and cancels[0].query == {"id": "101"}
    assert fake.builds == {} and not fake.calls("POST", "/stop")


def test_an_interrupt_as_the_item_leaves_the_queue_stops_the_build_it_became(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.plan(BuildPlan(never_ends=True, left_without_executable=1))

    def on_poll(poll: object) -> None:
        if getattr(poll, "status", "").startswith("left the queue"):
            raise KeyboardInterrupt  # too late to cancel: the build exists, not yet attached

    with pytest.raises(errors.Interrupted, match="stopped build #1"):
        run_resync(adapter_for(fake, time), ResyncRequest(), lambda t: None, on_poll=on_poll)
    assert len(fake.calls("POST", "/queue/cancelItem")) == 1
    assert len(fake.calls("POST", "/stop")) == 1
    assert fake.build(DEFAULT_JOB).result == "ABORTED"


def test_detach_leaves_the_build_running_and_says_how_to_follow(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.plan(BuildPlan(never_ends=True))
    with pytest.raises(errors.Interrupted, match=r"still running.*resync --follow"):
        run_resync(adapter_for(fake, time), ResyncRequest(detach=True), interrupt_after(1))  # type: ignore[arg-type]
    assert fake.build(DEFAULT_JOB).building
    assert not fake.calls("POST", "/stop") and not fake.calls("POST", "cancelItem")


def test_a_queue_timeout_cancels_the_item_it_gave_up_on(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(queue_waits=10_000))
    with pytest.raises(errors.WaitTimeout, match="cancelled"):
        run_resync(adapter_for(fake, time), ResyncRequest(queue_timeout=30), lambda t: None)
    assert len(fake.calls("POST", "/queue/cancelItem")) == 1


def test_a_build_timeout_says_to_follow_not_to_run_again(fake: FakeJenkins, time: FakeTime) -> None:
    fake.plan(BuildPlan(never_ends=True))
    with pytest.raises(errors.WaitTimeout, match="--follow"):
        run_resync(adapter_for(fake, time), ResyncRequest(build_timeout=30), lambda t: None)
    assert fake.build(DEFAULT_JOB).building and not fake.calls("POST", "/stop")


def test_an_item_blocked_by_a_running_build_waits_for_it(fake: FakeJenkins, time: FakeTime) -> None:
    first = running_build(fake)
    adapter = adapter_for(fake, time)
    queue_id = adapter.start_build(DEFAULT_JOB)  # someone else's run is still going
    statuses: list[str] = []

    def on_poll(poll: object) -> None:
        statuses.append(str(getattr(poll, "status", "")))
        if len(statuses) == 3:
            first.revealed = len(first.chunks)  # the first build ends

    build = adapter.wait_for_start(DEFAULT_JOB, queue_id, timeout=600, on_poll=on_poll)

    assert statuses[:3] == ["Build #1 is already in progress"] * 3
    assert build.number == 2


def test_an_interrupt_during_the_start_request_cancels_what_it_queued(
    fake: FakeJenkins, time: FakeTime
) -> None:
    fake.plan(BuildPlan(queue_waits=10_000))
    adapter = adapter_for(fake, time)
    start = adapter.start_build

    def start_then_interrupt(name: str, *, parameterized: bool = False) -> int:
        start(name, parameterized=parameterized)  # Jenkins has queued it ...
        raise KeyboardInterrupt  # ... and Ctrl-C arrives before we read the answer

    adapter.start_build = start_then_interrupt  # type: ignore[method-assign]
    with pytest.raises(errors.Interrupted, match="cancelled queue item 101"):
        run_resync(adapter, ResyncRequest(), lambda text: None)
    assert len(fake.calls("POST", "/queue/cancelItem")) == 1
    assert not any(is_queued(item) for item in fake.queue.values())


@pytest.mark.parametrize("how", ["detach", "build-timeout"])
def test_the_follow_hint_names_a_job_that_is_not_the_default(
    fake: FakeJenkins, time: FakeTime, how: str
) -> None:
    fake.plan(BuildPlan(never_ends=True))
    request = (
        ResyncRequest(job="shop sync", detach=True)
        if how == "detach"
        else ResyncRequest(job="shop sync", build_timeout=30)
    )
    on_output = interrupt_after(1) if how == "detach" else (lambda t: None)
    with pytest.raises((errors.Interrupted, errors.WaitTimeout)) as caught:
        run_resync(adapter_for(fake, time), request, on_output)  # type: ignore[arg-type]
    assert "`sccos-backup resync --follow --job 'shop sync'`" in str(caught.value)
