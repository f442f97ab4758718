"""The shell script of the ``sync:data`` job, decided as data before Jenkins is touched.

Jenkins runs an Execute-shell step with ``sh -xe`` unless the script starts with a shebang; then
the named interpreter runs it as is. A script with a shebang therefore gets ``set -e`` right
after it (unless it already fails fast), so the first failing sync call still fails the build.

The script is decided here, as data, before Jenkins is touched (:func:`plan_script`):

* default: ``vendor/bin/console sync:data``; ``--command`` replaces that command verbatim;
* ``resources``: one ``sync:data <resource>`` call per resource, one per line, in the given
  order (large catalogues are synced one resource at a time; Jenkins runs the step with
  ``sh -xe``, so the first failing call fails the build);
* ``store``: ``export APPLICATION_STORE=<store>`` before the first console call;
* ``copy_script_from``: the Execute-shell steps of an existing job joined into one script,
  with its console call replaced, see :func:`merge_script`.
"""

from __future__ import annotations

import re

from sccos_backup.errors import PreconditionFailed
from sccos_backup.jenkins.jobxml import ShellJob, check_script
from sccos_backup.resync.request import ResyncRequest

#: ``set -e``, ``set -eu``, ``set -xe``, ``set -o errexit`` at the start of a line.
_ERREXIT = re.compile(r"^\s*set\s+(?:-[a-zA-Z]*e[a-zA-Z]*\b|.*-o\s+errexit\b)")
CONSOLE = "vendor/bin/console"
SYNC_COMMAND = f"{CONSOLE} sync:data"
#: The console binary, with whatever path the script gives it (./, /data/, $APP_DIR/).
_CONSOLE_BIN = re.compile(r"(?P<bin>(?:[^\s'\"`;&|()]*/)?vendor/bin/console)(?=[\s;&|'\"`)]|$)")
#: An assignment of APPLICATION_STORE, as an export, a prefix or a docker -e option.
_STORE_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_])APPLICATION_STORE=(?:\"[^\"]*\"|'[^']*'|[^\s;&|'\"`)]*)"
)


def sync_commands(request: ResyncRequest) -> tuple[str, ...]:
    """The console calls the job runs, one per line."""
    if request.command is not None:
        return (check_script(request.command, what="--command").strip("\n"),)
    if request.resources:
        return tuple(f"{SYNC_COMMAND} {resource}" for resource in request.resources)
    return (SYNC_COMMAND,)


def generated_script(request: ResyncRequest) -> str:
    """The script of a job made from scratch."""
    lines = [f"export APPLICATION_STORE={request.store}"] if request.store else []
    lines.extend(sync_commands(request))
    return "\n".join(lines) + "\n"


def _open_quote(prefix: str) -> str | None:
    """The quote character left open at the end of ``prefix`` (shell rules, roughly)."""
    quote: str | None = None
    escaped = False
    for char in prefix:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
    return quote


def _split_console_call(line: str) -> tuple[str, str, str, str] | None:
    """``(prefix, console binary, arguments, suffix)`` of the first console call on ``line``.

    The arguments end at the end of the line, at a shell separator (``;``, ``&``, ``|``, ``)``,
    a backtick, a `` #`` comment) outside quotes, or at the quote that encloses the call
    (``docker exec app sh -c "vendor/bin/console queue:worker:start"``).
    """
    match = _CONSOLE_BIN.search(line)
    if match is None:
        return None
    prefix = line[: match.start()]
    enclosing = _open_quote(prefix)
    i = match.end()
    quote: str | None = None
    while i < len(line):
        char = line[i]
        if quote is not None:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = None
        elif enclosing is not None and char == enclosing:
            break
        elif char == "\\":
            i += 1
        elif enclosing is None and char in "'\"":
            quote = char
        elif char in ";&|)`" or (char == "#" and line[i - 1].isspace()):
            break
        i += 1
    arguments = line[match.end() : i]
    kept = arguments.rstrip()
    return prefix, match.group("bin"), kept, arguments[len(kept) :] + line[i:]


def _with_binary(command: str, binary: str) -> str:
    """``command`` calling the console the way the copied script does (its path kept)."""
    if command == CONSOLE or command.startswith(CONSOLE + " "):
        return binary + command[len(CONSOLE) :]
    return command


def merge_script(copied: str, request: ResyncRequest, *, source: str) -> str:
    """Put the sync calls into the script copied from job ``source``.

    * Every line other than the console calls is kept verbatim (shebang, ``set``, ``cd``,
      exports, environment files, ``docker exec`` wrappers).
    * The first line calling ``vendor/bin/console`` is the template: it is repeated once per
      sync call with only the console call (binary and arguments) replaced; text before and
      after the call on that line stays (``APPLICATION_STORE=DE vendor/bin/console ...``,
      ``docker exec app sh -c "vendor/bin/console ..."``, ``... && echo done``). The console
      binary's path as written in the script (``./vendor/bin/console``) is kept.
    * Later lines calling the console are dropped: the job runs the sync, nothing else.
    * With ``store``, every ``APPLICATION_STORE=...`` assignment in the script gets that value;
      with none there, ``export APPLICATION_STORE=<store>`` goes right before the calls.
    """
    lines = copied.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    template_at: int | None = None
    for line in lines:
        parts = _split_console_call(line)
        if parts is None:
            out.append(line)
            continue
        if template_at is not None:
            continue
        template_at = len(out)
        prefix, binary, _arguments, suffix = parts
        out.extend(
            prefix + _with_binary(command, binary) + suffix for command in sync_commands(request)
        )
    if template_at is None:
        raise PreconditionFailed(
            f"the shell script of job '{source}' (--copy-script-from) never calls "
            f"{CONSOLE}; pick a job that runs a console command, or use --command"
        )
    script = "\n".join(out)
    if request.store:
        assignment = f"APPLICATION_STORE={request.store}"
        script, count = _STORE_ASSIGNMENT.subn(assignment, script)
        if count == 0:
            out = script.split("\n")
            out.insert(template_at, f"export {assignment}")
            script = "\n".join(out)
    return script.rstrip("\n") + "\n"


def keep_errexit(script: str) -> str:
    """``script`` with ``set -e`` after its shebang, unless it already fails fast.

    Jenkins' Shell step runs ``sh -xe SCRIPT`` only for scripts without a shebang.
    """
    lines = script.split("\n")
    if not lines[0].startswith("#!"):
        return script
    shebang_flags = lines[0].split()[1:]
    if any(flag.startswith("-") and "e" in flag for flag in shebang_flags):
        return script
    if any(_ERREXIT.match(line) for line in lines[1:]):
        return script
    return "\n".join([lines[0], "set -e", *lines[1:]])


def plan_script(request: ResyncRequest, copied: ShellJob | None) -> ShellJob:
    """The job's shell step (and label) for ``request``; pure."""
    if copied is None:
        return ShellJob(script=keep_errexit(generated_script(request)))
    source = request.copy_script_from or "?"
    return ShellJob(
        script=keep_errexit(merge_script(copied.script, request, source=source)),
        assigned_node=copied.assigned_node,
    )
