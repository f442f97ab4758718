"""Where the Pulumi project folders are: the current folder when it is one, else the packaged
project written into the user's data folder, so that every command works from any folder after
a plain ``pip install``; ``sccos-backup init DIR`` makes one for teams that keep stack files in
git.

A project folder holds ``Pulumi.yaml`` and a two-line ``__main__.py`` calling the program in the
installed package (:mod:`sccos_backup.restore.program`, :mod:`sccos_backup.schedule.program`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sccos_backup.errors import InvalidInput


@dataclass(frozen=True)
class Template:
    """One Pulumi project the package can write out."""

    name: str
    description: str
    folder: str
    program: str

    def is_project(self, folder: Path) -> bool:
        """Whether ``folder`` holds this project's ``Pulumi.yaml``."""
        from sccos_backup.restore.stackfile import project_name

        try:
            return project_name(folder) == self.name
        except InvalidInput:
            return False

    def files(self, *, pin_interpreter: bool) -> dict[str, str]:
        import yaml

        runtime: object = "python"
        if pin_interpreter and sys.prefix != sys.base_prefix:
            # `pulumi preview` / `up` run by hand use the interpreter this package is in.
            runtime = {"name": "python", "options": {"virtualenv": sys.prefix}}
        project = {"name": self.name, "description": self.description, "runtime": runtime}
        return {
            "Pulumi.yaml": yaml.safe_dump(project, sort_keys=False),
            "__main__.py": self.program,
        }

    def write(self, folder: Path, *, pin_interpreter: bool) -> None:
        """Write (or refresh) the project files in ``folder``; stack files are left alone."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files(pin_interpreter=pin_interpreter).items():
            path = folder / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")


RESTORE = Template(
    name="sccos-backup",
    description="A restored Amazon RDS instance of a Spryker Cloud Commerce OS shop, "
    "declared with exactly the original's settings.",
    folder="restore",
    program='"""The restore stack\'s Pulumi program (sccos-backup)."""\n\n'
    "from sccos_backup.restore.program import main\n\ndatabase = main()\n",
)
SCHEDULE = Template(
    name="sccos-backup-schedule",
    description="The sccos-backup schedule of one shop or a fleet - hourly snapshot rotation "
    "and policy checks run by EventBridge Scheduler and AWS Lambda.",
    folder="schedule",
    program='"""The schedule stack\'s Pulumi program (sccos-backup)."""\n\n'
    "from pathlib import Path\n\nfrom sccos_backup.schedule.program import main\n\n"
    "artifact, schedule = main(Path(__file__).resolve().parent)\n",
)


def data_dir() -> Path:
    """The user's sccos-backup data folder (packaged projects, default state backend, drills)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sccos-backup"


def packaged_folder(template: Template) -> Path:
    return data_dir() / "projects" / template.folder


def resolve(template: Template, work_dir: Path | None) -> Path:
    """The project folder to use, as an absolute path.

    ``--work-dir`` when given (it must be the project); else the current folder, or its
    ``schedule/`` subfolder for the schedule, when it is the project; else the packaged
    project in the user's data folder (written or refreshed now).
    """
    if work_dir is not None:
        return work_dir.resolve()
    cwd = Path.cwd()
    for candidate in (cwd, cwd / template.folder):
        if template.is_project(candidate):
            return candidate
    folder = packaged_folder(template)
    template.write(folder, pin_interpreter=True)
    return folder


def edits(folder: Path) -> dict[Path, str]:
    """The project files in ``folder`` that differ from what ``init`` writes now (edited by
    hand, or written for another interpreter), each with its unified diff (file, then ours)."""
    import difflib

    found: dict[Path, str] = {}
    for template, where in ((RESTORE, folder), (SCHEDULE, folder / SCHEDULE.folder)):
        if (where / "Pulumi.yaml").exists() and not template.is_project(where):
            continue  # another project: init refuses it as a whole
        for name, text in template.files(pin_interpreter=True).items():
            path = where / name
            if not path.is_file():
                continue
            current = path.read_text(encoding="utf-8", errors="replace")
            if current != text:
                found[path] = "".join(
                    difflib.unified_diff(
                        current.splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        f"{path} (yours)",
                        f"{path} (init)",
                    )
                )
    return found


def init(folder: Path, *, force: bool = False) -> list[Path]:
    """Create a project folder for stack files kept in git: the restore project in ``folder``,
    the schedule project in ``folder/schedule``. Its ``Pulumi.yaml`` names this interpreter's
    virtualenv (pipx or a venv), so `pulumi preview` run by hand imports sccos_backup. Refuses a
    folder holding another project, and a file that differs from ours unless ``force`` (the
    caller shows :func:`edits` first)."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"'{folder}' is a file, not a folder; choose a folder")
    written: list[Path] = []
    try:
        for template, where in ((RESTORE, folder), (SCHEDULE, folder / SCHEDULE.folder)):
            existing = where / "Pulumi.yaml"
            if existing.exists() and not template.is_project(where):
                raise InvalidInput(
                    f"'{existing}' belongs to another Pulumi project; choose an empty folder"
                )
        changed = edits(folder) if folder.is_dir() else {}
        if changed and not force:
            from sccos_backup.errors import PreconditionFailed

            names = ", ".join(f"'{path}'" for path in changed)
            raise PreconditionFailed(
                f"{names} differ from what init writes (diff above); nothing was changed: keep "
                "them, or pass --force to overwrite them"
            )
        for template, where in ((RESTORE, folder), (SCHEDULE, folder / SCHEDULE.folder)):
            template.write(where, pin_interpreter=True)
            written += [where / "Pulumi.yaml", where / "__main__.py"]
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("schedule/build/\n__pycache__/\n", encoding="utf-8")
            written.append(ignore)
        from automation.commands.shop_config import FILE_NAME, TEMPLATE

        settings = folder / FILE_NAME
        if not settings.exists():  # the shop's own values are never overwritten
            settings.write_text(TEMPLATE, encoding="utf-8")
            written.append(settings)
    except OSError as error:
        raise InvalidInput(
            f"cannot create the project folder '{folder}' ({error.strerror}); choose a folder "
            "you can write"
        ) from None
    return written
