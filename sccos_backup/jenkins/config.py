"""Where Jenkins is and who we are there: validated settings, safe display, job names and paths.

The API token lives only in :class:`JenkinsConfig` (``repr=False``) and inside the python-jenkins
client; it is never part of a message, a log line or a repr.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from sccos_backup import errors

#: Seconds each HTTP request to Jenkins may take (connect and read).
DEFAULT_REQUEST_TIMEOUT = 30

_FORBIDDEN_IN_NAME = set("?*/\\%!@#$^&|<>[]:;\"'")
#: Characters XML 1.0 cannot carry (shared with :mod:`sccos_backup.jenkins.jobxml`).
BAD_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class JenkinsConfig:
    """Where Jenkins is and who we are there. ``repr`` never shows the token."""

    url: str
    user: str
    token: str = field(repr=False)
    request_timeout: int = DEFAULT_REQUEST_TIMEOUT

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.InvalidInput(
                f"Jenkins URL '{display_url(self.url)}' is not an http(s) URL; "
                "pass e.g. --jenkins-url https://jenkins.example.com/"
            )
        if parts.username or parts.password:
            raise errors.InvalidInput(
                "the Jenkins URL must not contain a user or token; "
                "pass them with --jenkins-user and JENKINS_API_TOKEN"
            )
        if not self.user:
            raise errors.InvalidInput("the Jenkins user is empty; pass --jenkins-user")
        if not self.token:
            raise errors.InvalidInput("the Jenkins API token is empty; set JENKINS_API_TOKEN")
        if self.request_timeout <= 0:
            raise errors.InvalidInput("the Jenkins request timeout must be positive")


def display_url(url: str) -> str:
    """``url`` without user info, query or fragment, ending in ``/``: safe to show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{host}{path}" if parts.scheme else url


def check_job_name(name: str, *, option: str = "--job") -> str:
    """Validate a job name, folders separated by ``/`` (``a/b/job``); return it unchanged."""
    segments = name.split("/")
    for segment in segments:
        if not segment or segment in (".", "..") or segment != segment.strip():
            raise errors.InvalidInput(
                f"{option} '{name}' is not a valid Jenkins job name: use names separated by "
                "single '/' for folders, e.g. ops/sync-data"
            )
        bad = sorted(set(segment) & _FORBIDDEN_IN_NAME)
        if bad or BAD_XML_CHARS.search(segment):
            raise errors.InvalidInput(
                f"{option} '{name}' contains characters Jenkins does not allow in a job name "
                f"({' '.join(bad) or 'control characters'})"
            )
    return name


def job_path(name: str) -> str:
    """The URL path of a job relative to the server root: ``a/b`` -> ``job/a/job/b/``."""
    return "".join(f"job/{quote(segment, safe='')}/" for segment in name.split("/"))
