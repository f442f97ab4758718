"""Where Jenkins is and who we are there: validated settings, safe display, job names and paths.

The API token lives only in :class:`JenkinsConfig` (``repr=False``) and inside the python-jenkins
client; it is never part of a message, a log line or a repr.
"""

from __future__ import annotations

import ipaddress
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
    #: Send the token over plain http:// to a host other than this one (--allow-insecure-http).
    allow_insecure_http: bool = False

    def __post_init__(self) -> None:
        check_url(self.url, self.token)
        if not self.allow_insecure_http:
            check_encrypted(self.url)
        if not self.user:
            raise errors.InvalidInput("the Jenkins user is empty; pass --jenkins-user")
        if not self.token:
            raise errors.InvalidInput("the Jenkins API token is empty; set JENKINS_API_TOKEN")
        if self.request_timeout <= 0:
            raise errors.InvalidInput("the Jenkins request timeout must be positive")


_NOT_SHOWN = "(the URL is not shown: it may hold a credential)"


def check_url(url: str, token: str = "") -> None:
    """Refuse a Jenkins URL by the rule it breaks; never echo it (it may hold a token)."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = urlsplit(""), False
    if (
        not url.lower().startswith(("http://", "https://"))
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or any(char.isspace() for char in url)
    ):
        raise errors.InvalidInput(
            "the Jenkins URL is not an http(s) URL of the form https://HOST[:PORT]/[PATH/] "
            f"{_NOT_SHOWN}; pass e.g. --jenkins-url https://jenkins.example.com/"
        )
    if "@" in parts.netloc:
        raise errors.InvalidInput(
            f"the Jenkins URL must not contain a user or token {_NOT_SHOWN}; pass them with "
            "--jenkins-user and JENKINS_API_TOKEN, and the bare address with --jenkins-url"
        )
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise errors.InvalidInput(
            f"the Jenkins URL must not contain a query (?...) or fragment (#...) {_NOT_SHOWN}; "
            "pass the token with JENKINS_API_TOKEN and the bare address with --jenkins-url"
        )
    if len(token) >= 8 and token in url:
        raise errors.InvalidInput(
            f"the Jenkins URL contains the API token {_NOT_SHOWN}; pass the token with "
            "JENKINS_API_TOKEN only, and the bare address with --jenkins-url"
        )


def check_encrypted(url: str) -> None:
    """Refuse ``http://`` to any host but this one (127.0.0.0/8, ::1, localhost): the API
    token would cross the network in clear. Names the URL without credentials."""
    parts = urlsplit(url)
    if parts.scheme != "http" or is_loopback(parts.hostname or ""):
        return
    raise errors.InvalidInput(
        f"the Jenkins URL {display_url(url)} is plain http: the API token would cross the "
        "network unencrypted; use its https:// address, or pass --allow-insecure-http if "
        "that network is trusted"
    )


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
