"""Secrets out of text that leaves the process: a drill's check command and its output, and
the ``--debug`` log.

:func:`redact` hides passwords in the usual spellings, the values of this process's own secret
environment variables (``PULUMI_CONFIG_PASSPHRASE``, ``JENKINS_API_TOKEN``, ...) and every value
handed to :func:`hide` (a Jenkins token read from a file).
"""

from __future__ import annotations

import os
import re

_HIDDEN_NAME = r"[A-Z0-9_-]*(?:PASS|PWD|SECRET|TOKEN|KEY)[A-Z0-9_-]*"
_SECRET_ASSIGNMENT = re.compile(rf"(?i)\b({_HIDDEN_NAME})=(\"[^\"]*\"|'[^']*'|\S+)")
#: ``"password": "..."`` in JSON, or ``'password': '...'`` as Python prints a dict.
_SECRET_QUOTED = re.compile(rf"(?i)([\"']{_HIDDEN_NAME}[\"']\s*:\s*)(\"[^\"]*\"|'[^']*')")
#: Any userinfo of a URL (``user:password@`` or a bare token ``token@``).
_URL_USERINFO = re.compile(r"(://)[^/@\s]+@")
_PASSWORD_FLAG = re.compile(r"(?i)(--password[= ])(\S+)")
#: mysql's ``-pSECRET`` (attached); ``-p5432`` (psql's port) stays.
_SHORT_PASSWORD = re.compile(r"(?<![\w-])(-p)(?!\d+(?:\s|$))(\S+)")
_ENV_SECRET = re.compile(rf"(?i)^{_HIDDEN_NAME}$")
#: Shorter values are not hidden wherever they appear (they would mangle ordinary words).
_ENV_SECRET_MIN = 6


#: Secrets this process learnt other than from its environment (see :func:`hide`).
_hidden: set[str] = set()


def hide(secret: str) -> None:
    """Have :func:`redact` hide ``secret`` from now on, wherever it appears."""
    if len(secret.strip()) >= 4:
        _hidden.add(secret.strip())


def _environment_secrets() -> list[str]:
    """This process's secret-looking environment values (passwords, tokens, keys), longest
    first: a check command's output may echo them."""
    values = {
        v for k, v in os.environ.items() if _ENV_SECRET.match(k) and len(v) >= _ENV_SECRET_MIN
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """The text with passwords hidden: ``X_PASSWORD=...``, ``"password": "..."``,
    ``--password=...``, ``-pSECRET``, a URL's userinfo and the values of this process's own
    secret environment variables."""
    for value in sorted(_hidden.union(_environment_secrets()), key=len, reverse=True):
        text = text.replace(value, "***")
    text = _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group(1)}=***", text)
    text = _SECRET_QUOTED.sub(lambda m: f'{m.group(1)}"***"', text)
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}***@", text)
    text = _PASSWORD_FLAG.sub(lambda m: f"{m.group(1)}***", text)
    return _SHORT_PASSWORD.sub(lambda m: f"{m.group(1)}***", text)
