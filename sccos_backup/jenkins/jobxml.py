"""Jenkins job configuration: a freestyle ``<project>`` document, read, built and reconciled.

Pure functions over :mod:`xml.etree.ElementTree`; what the shell script says is decided by
:mod:`sccos_backup.resync.job`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from sccos_backup import errors
from sccos_backup.jenkins.config import BAD_XML_CHARS

_XML_DECLARATION = "<?xml version='1.1' encoding='UTF-8'?>\n"
_SHELL = "hudson.tasks.Shell"


@dataclass(frozen=True)
class ShellJob:
    """The parts of a freestyle job we manage: one Execute-shell script and, optionally, a label."""

    script: str
    assigned_node: str | None = None


def _normalise_script(text: str | None) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def check_script(script: str, *, what: str = "the shell script") -> str:
    """Refuse scripts XML cannot carry; return the script with ``\\n`` line ends."""
    if BAD_XML_CHARS.search(script):
        raise errors.InvalidInput(f"{what} contains control characters XML cannot carry")
    if not script.strip():
        raise errors.InvalidInput(f"{what} is empty")
    return script.replace("\r\n", "\n").replace("\r", "\n")


def _parse(config_xml: str, what: str) -> ET.Element:
    try:
        # The XML is the Jenkins server's own job configuration; expat (>= 2.4) refuses
        # entity expansion attacks and never fetches external entities.
        return ET.fromstring(config_xml)  # noqa: S314
    except ET.ParseError as error:
        raise errors.JenkinsError(
            f"{what}: Jenkins returned a configuration that is not XML ({error})"
        ) from None


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def freestyle_config(job: ShellJob, *, description: str = "") -> str:
    """A freestyle ``<project>`` with one Execute-shell step running ``job.script``."""
    script = check_script(job.script)
    root = ET.Element("project")
    _sub(root, "actions")
    _sub(root, "description", description)
    _sub(root, "keepDependencies", "false")
    _sub(root, "properties")
    ET.SubElement(root, "scm", {"class": "hudson.scm.NullSCM"})
    if job.assigned_node:
        _sub(root, "assignedNode", job.assigned_node)
    _sub(root, "canRoam", "false" if job.assigned_node else "true")
    _sub(root, "disabled", "false")
    _sub(root, "blockBuildWhenDownstreamBuilding", "false")
    _sub(root, "blockBuildWhenUpstreamBuilding", "false")
    _sub(root, "triggers")
    _sub(root, "concurrentBuild", "false")
    builders = _sub(root, "builders")
    shell = _sub(builders, _SHELL)
    _sub(shell, "command", script)
    _sub(shell, "configuredLocalRules")
    _sub(root, "publishers")
    _sub(root, "buildWrappers")
    ET.indent(root, space="  ")
    return _XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def shell_steps(config_xml: str, *, what: str = "job") -> tuple[str, ...]:
    """The commands of every Execute-shell step of a job configuration, in order."""
    root = _parse(config_xml, what)
    return tuple((step.findtext("command") or "") for step in root.findall(f"./builders/{_SHELL}"))


def read_shell_job(config_xml: str, *, what: str = "job") -> ShellJob:
    """All Execute-shell steps joined into one script (``\\n`` between them), and the label."""
    root = _parse(config_xml, what)
    steps = [(step.findtext("command") or "") for step in root.findall(f"./builders/{_SHELL}")]
    script = "\n".join(_normalise_script(step) for step in steps if step.strip())
    node = (root.findtext("assignedNode") or "").strip() or None
    return ShellJob(script=script, assigned_node=node)


def _relevant(root: ET.Element, desired: ShellJob) -> tuple[object, ...]:
    builders = root.find("builders")
    steps = tuple(
        (step.tag, _normalise_script(step.findtext("command")) if step.tag == _SHELL else None)
        for step in (builders if builders is not None else [])
    )
    disabled = (root.findtext("disabled") or "false").strip() == "true"
    node: tuple[str, str] | None = None
    if desired.assigned_node:
        node = (
            (root.findtext("assignedNode") or "").strip(),
            (root.findtext("canRoam") or "").strip(),
        )
    return (root.tag, steps, disabled, node)


def reconciled_config(existing_xml: str, desired: ShellJob, *, job: str) -> str | None:
    """The configuration to post so that ``existing_xml`` runs ``desired``, or None if it does.

    Only the managed parts are compared and changed: the build steps (exactly one
    Execute-shell step with the script; line ends and trailing blanks do not count), the
    ``disabled`` flag and, when ``desired`` names one, the label. Everything else in the
    existing job (description, log rotation, publishers, wrappers) is kept.
    """
    root = _parse(existing_xml, f"reading job '{job}'")
    if root.tag != "project":
        raise errors.PreconditionFailed(
            f"job '{job}' exists but is a {root.tag}, not a freestyle project; "
            "pick another --job or delete that job in Jenkins"
        )
    want = ET.fromstring(freestyle_config(desired))  # noqa: S314 - our own document
    if _relevant(root, desired) == _relevant(want, desired):
        return None
    builders = root.find("builders")
    if builders is None:
        builders = _sub(root, "builders")
    for child in list(builders):
        builders.remove(child)
    wanted_builders = want.find("builders")
    assert wanted_builders is not None
    builders.extend(list(wanted_builders))
    disabled = root.find("disabled")
    if disabled is None:
        disabled = _sub(root, "disabled")
    disabled.text = "false"
    if desired.assigned_node:
        for tag, value in (("assignedNode", desired.assigned_node), ("canRoam", "false")):
            element = root.find(tag)
            if element is None:
                element = _sub(root, tag)
            element.text = value
    return _XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
