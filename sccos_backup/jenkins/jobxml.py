"""Jenkins job configuration: a freestyle ``<project>`` document, read, built and reconciled.

Pure functions over :mod:`xml.etree.ElementTree`; what the shell script says is decided by
:mod:`sccos_backup.resync.job`.

* **Ownership**: a job this tool created carries :data:`OWNERSHIP_MARKER` in its description.
* **Managed parts** (all that :func:`reconciled_config` ever changes): the build steps (exactly
  one Execute-shell step with the script), the marker line in the description, the label
  (``assignedNode`` / ``canRoam``) when the desired job names one, and ``disabled`` only when
  enabling is asked for. Everything else (parameters, triggers, log rotation, publishers,
  wrappers, SCM, workspace) is kept as it is.
* **XML 1.1**: Jenkins (XStream) writes ``<?xml version='1.1'``, where character references to
  control characters (``&#27;`` for ESC) are legal; Python's parser knows only XML 1.0. They are
  read through placeholders and written back as the same references.
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from sccos_backup import errors
from sccos_backup.jenkins.config import BAD_XML_CHARS

_XML_DECLARATION = "<?xml version='1.1' encoding='UTF-8'?>\n"
_SHELL = "hudson.tasks.Shell"
#: In the description of every job this tool manages.
OWNERSHIP_MARKER = "[managed by sccos-backup resync]"
#: What the first versions wrote instead of the marker: their jobs count as ours too.
_LEGACY_MARKER = "Managed by sccos-backup resync"
_PARAMETERS = "properties/hudson.model.ParametersDefinitionProperty"
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")
#: Control character ``c`` is held as ``chr(_PLACEHOLDER + ord(c))`` while parsed (plane 15).
_PLACEHOLDER = 0xF0000
_PLACEHOLDERS = re.compile("[\U000f0001-\U000f001f]")


@dataclass(frozen=True)
class ShellJob:
    """The parts of a freestyle job we manage: one Execute-shell script and, optionally, a label."""

    script: str
    assigned_node: str | None = None


def _normalise_script(text: str | None) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def check_script(
    script: str, *, what: str = "the shell script", allow_control: bool = False
) -> str:
    """Refuse scripts Jenkins cannot carry; return the script with ``\\n`` line ends.

    NUL never fits in a job configuration; other control characters only as XML 1.1
    references, accepted with ``allow_control`` (a script copied from a job that has them).
    """
    if "\x00" in script or (not allow_control and BAD_XML_CHARS.search(script)):
        raise errors.InvalidInput(f"{what} contains control characters XML cannot carry")
    if not script.strip():
        raise errors.InvalidInput(f"{what} is empty")
    return script.replace("\r\n", "\n").replace("\r", "\n")


def _parse(config_xml: str, what: str) -> ET.Element:
    def hold(match: re.Match[str]) -> str:
        value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        return chr(_PLACEHOLDER + value) if _CONTROL.match(chr(value)) else match.group(0)

    try:
        # The XML is the Jenkins server's own job configuration; expat (>= 2.4) refuses
        # entity expansion attacks and never fetches external entities.
        return ET.fromstring(_CHAR_REF.sub(hold, config_xml))  # noqa: S314
    except ET.ParseError as error:
        raise errors.JenkinsError(
            f"{what}: Jenkins returned a configuration that is not XML ({error})"
        ) from None


def _text(element: ET.Element, path: str) -> str:
    """The text at ``path``, with held control characters restored."""
    text = element.findtext(path) or ""
    return _PLACEHOLDERS.sub(lambda m: chr(ord(m.group()) - _PLACEHOLDER), text)


def _serialise(root: ET.Element) -> str:
    """The document as Jenkins writes it: XML 1.1, control characters as references."""
    text = ET.tostring(root, encoding="unicode")
    text = _PLACEHOLDERS.sub(lambda m: f"&#{ord(m.group()) - _PLACEHOLDER};", text)
    text = _CONTROL.sub(lambda m: f"&#{ord(m.group())};", text)
    return _XML_DECLARATION + text + "\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def freestyle_config(job: ShellJob, *, description: str = "") -> str:
    """A freestyle ``<project>`` with one Execute-shell step running ``job.script``."""
    script = check_script(job.script, allow_control=True)
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
    return _serialise(root)


def shell_steps(config_xml: str, *, what: str = "job") -> tuple[str, ...]:
    """The commands of every Execute-shell step of a job configuration, in order."""
    root = _parse(config_xml, what)
    return tuple(_text(step, "command") for step in root.findall(f"./builders/{_SHELL}"))


def read_shell_job(config_xml: str, *, what: str = "job") -> ShellJob:
    """All Execute-shell steps joined into one script (``\\n`` between them), and the label."""
    steps = shell_steps(config_xml, what=what)
    script = "\n".join(_normalise_script(step) for step in steps if step.strip())
    node = _text(_parse(config_xml, what), "assignedNode").strip() or None
    return ShellJob(script=script, assigned_node=node)


@dataclass(frozen=True)
class JobState:
    """What decides whether and how an existing job may be changed and built."""

    kind: str
    marked: bool
    disabled: bool
    parameterized: bool


def job_state(config_xml: str, *, job: str) -> JobState:
    root = _parse(config_xml, f"reading job '{job}'")
    description = _text(root, "description")
    return JobState(
        kind=root.tag,
        marked=OWNERSHIP_MARKER in description or _LEGACY_MARKER in description,
        disabled=_text(root, "disabled").strip() == "true",
        parameterized=root.find(_PARAMETERS) is not None,
    )


def _relevant(root: ET.Element, desired: ShellJob, enable: bool) -> tuple[object, ...]:
    builders = root.find("builders")
    steps = tuple(
        (step.tag, _normalise_script(_text(step, "command")) if step.tag == _SHELL else None)
        for step in (builders if builders is not None else [])
    )
    marked = OWNERSHIP_MARKER in _text(root, "description")
    disabled = enable and _text(root, "disabled").strip() == "true"
    node: tuple[str, str] | None = None
    if desired.assigned_node:
        node = (_text(root, "assignedNode").strip(), _text(root, "canRoam").strip())
    return (root.tag, steps, marked, disabled, node)


def _set(root: ET.Element, tag: str, value: str) -> None:
    element = root.find(tag)
    if element is None:
        element = _sub(root, tag)
    element.text = value


def reconciled_config(
    existing_xml: str, desired: ShellJob, *, job: str, enable: bool = False
) -> str | None:
    """The configuration to post so that ``existing_xml`` runs ``desired``, or None if it does.

    Only the managed parts (see the module docstring) are compared and changed; line ends and
    trailing blanks in the script do not count.
    """
    root = _parse(existing_xml, f"reading job '{job}'")
    if root.tag != "project":
        raise errors.PreconditionFailed(
            f"job '{job}' exists but is a {root.tag}, not a freestyle project; "
            "pick another --job or delete that job in Jenkins"
        )
    want = _parse(freestyle_config(desired, description=OWNERSHIP_MARKER), "our own job")
    if _relevant(root, desired, enable) == _relevant(want, desired, enable):
        return None
    builders = root.find("builders")
    if builders is None:
        builders = _sub(root, "builders")
    for child in list(builders):
        builders.remove(child)
    wanted_builders = want.find("builders")
    assert wanted_builders is not None
    builders.extend(list(wanted_builders))
    description = _text(root, "description")
    if OWNERSHIP_MARKER not in description:
        text = description.rstrip()
        _set(root, "description", (text + "\n\n" if text else "") + OWNERSHIP_MARKER)
    if enable:
        _set(root, "disabled", "false")
    if desired.assigned_node:
        _set(root, "assignedNode", desired.assigned_node)
        _set(root, "canRoam", "false")
    return _serialise(root)


def config_changes(before: str, after: str) -> tuple[int, int]:
    """Lines added and removed from ``before`` to ``after``: what adopting a job reports (its
    configuration itself may hold credentials, so it is never printed)."""
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm=""))
    body = [line for line in lines[2:] if not line.startswith("@@")]  # after the two headers
    return sum(line[:1] == "+" for line in body), sum(line[:1] == "-" for line in body)
