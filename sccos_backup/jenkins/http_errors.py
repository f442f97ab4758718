"""python-jenkins and requests exceptions translated into :mod:`sccos_backup.errors`.

Messages name the server (without credentials), what was being done, and what to do next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

from sccos_backup import errors

if TYPE_CHECKING:
    import requests


def _http_response(error: BaseException) -> requests.Response | None:
    """The HTTP response behind a python-jenkins exception (it chains requests' HTTPError)."""
    import requests

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, requests.HTTPError) and current.response is not None:
            return current.response
        current = current.__cause__ or current.__context__
    return None


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


@contextlib.contextmanager
def translated(
    what: str,
    *,
    server: str,
    user: str,
    request_timeout: float,
    missing: Callable[[], errors.JenkinsError] | None = None,
) -> Iterator[None]:
    """Turn python-jenkins / requests exceptions raised while doing ``what`` into ours."""
    import jenkins
    import requests

    try:
        yield
    except errors.SccosBackupError:
        raise
    except (requests.Timeout, jenkins.TimeoutException) as error:
        raise errors.JenkinsUnreachable(
            f"Jenkins at {server} did not answer within {request_timeout} s while "
            f"{what}; check that it is up and that you are on its network (VPN), then retry"
        ) from error
    except requests.ConnectionError as error:
        text = str(error)
        reason = "connection failed"
        if "refused" in text.lower():
            reason = "connection refused"
        elif "resolve" in text or "Name or service not known" in text or "getaddrinfo" in text:
            reason = "host name not found"
        elif isinstance(error, requests.exceptions.SSLError):
            reason = "TLS handshake failed"
        raise errors.JenkinsUnreachable(
            f"cannot reach Jenkins at {server} ({reason}) while {what}; check --jenkins-url "
            "/ JENKINS_URL and that you are connected to the environment's VPN"
        ) from error
    except (jenkins.JenkinsException, requests.RequestException, ValueError) as error:
        response = _http_response(error)
        if response is None:
            if isinstance(error, ValueError | jenkins.EmptyResponseException):
                raise errors.JenkinsError(
                    f"unexpected answer from {server} while {what}: not Jenkins JSON; "
                    "check that --jenkins-url points at Jenkins"
                ) from error
            raise errors.JenkinsError(
                f"Jenkins at {server} failed while {what}: {_first_line(str(error))}"
            ) from error
        status = response.status_code
        body = response.text or ""
        crumb_request = "crumbIssuer" in (response.url or "")
        if status == 401:
            raise errors.JenkinsAuthError(
                f"Jenkins at {server} refused user '{user}' (HTTP 401) while {what}; "
                "check --jenkins-user and the API token (JENKINS_API_TOKEN), or create a "
                f"new token at {server}user/{quote(user, safe='')}/configure"
            ) from error
        if status == 403 and "crumb" in body.lower() and not crumb_request:
            raise errors.JenkinsCrumbError(
                f"Jenkins at {server} refused the CSRF crumb (HTTP 403) while {what}; "
                "make sure nothing between you and Jenkins drops headers or cookies, "
                "use an API token rather than a password, then retry"
            ) from error
        if status == 403:
            raise errors.JenkinsAuthError(
                f"Jenkins at {server} does not allow user '{user}' to do this "
                f"(HTTP 403) while {what}; grant the user Job/Read, Configure, Create and "
                "Build, or use another --jenkins-user"
            ) from error
        if crumb_request:
            raise errors.JenkinsCrumbError(
                f"Jenkins at {server} could not issue a CSRF crumb (HTTP {status}) while "
                f"{what}; check the Jenkins log, then retry"
            ) from error
        if status == 404:
            if missing is not None:
                raise missing() from error
            raise errors.JenkinsJobMissing(
                f"not found on {server} while {what} (HTTP 404); check the job name and its folders"
            ) from error
        raise errors.JenkinsError(
            f"Jenkins at {server} answered HTTP {status} while {what}; check the Jenkins "
            "log and retry"
        ) from error
