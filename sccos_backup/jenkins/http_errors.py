"""python-jenkins and requests exceptions translated into :mod:`sccos_backup.errors`.

Messages name the server (without credentials), what was being done, and what to do next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sccos_backup import errors
from sccos_backup.jenkins.config import display_url

if TYPE_CHECKING:
    import requests


def http_response(error: BaseException) -> requests.Response | None:
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


def redirected(response: requests.Response, server: str) -> errors.JenkinsError | None:
    """The error for a response that was redirected away from ``server``, else None.

    requests follows redirects: a redirected POST arrives as a GET, and the credentials are
    dropped when the host changes. The address to configure is the one redirected to.
    """
    if not response.history:
        return None
    final = response.url or ""
    if final.startswith(server):
        return None  # within Jenkins (e.g. /stop sends back to the build page)
    original = response.history[0].url or ""
    relative = original[len(server) :] if original.startswith(server) else ""
    parts = urlsplit(final)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    suffix = urlsplit(relative).path
    if suffix and base.endswith(suffix):
        base = base[: -len(suffix)]
    use = display_url(base)
    return errors.JenkinsError(
        f"Jenkins at {server} redirects to {use} (HTTP {response.history[0].status_code}); "
        f"pass --jenkins-url {use} (a redirect turns the requests that change Jenkins into "
        "reads and drops the credentials)"
    )


#: Jenkins' permission groups as its UI names them (``hudson.model.Item.Create`` -> Job/Create).
_PERMISSION_GROUPS = {
    "hudson.model.Hudson": "Overall",
    "hudson.model.Item": "Job",
    "hudson.model.Run": "Run",
    "hudson.model.View": "View",
    "hudson.model.Computer": "Agent",
}


def permission_name(permission_id: str) -> str:
    """``hudson.model.Item.Create`` -> ``Job/Create``; unknown groups keep their class name."""
    group, _, name = permission_id.rpartition(".")
    return f"{_PERMISSION_GROUPS.get(group, group.rsplit('.', 1)[-1])}/{name}"


def _forbidden(
    response: requests.Response, *, server: str, user: str, what: str
) -> errors.JenkinsError:
    """A 403, explained by what Jenkins says about it.

    Jenkins' permission refusals carry ``X-Required-Permission`` / ``X-You-Are-Authenticated-As``
    (``AccessDeniedException3.reportAsHeaders``); the CSRF filter's refusal says "No valid crumb
    was included in the request". The word "crumb" alone means nothing: every Jenkins HTML page
    carries the crumb in its head.
    """
    required = response.headers.get("X-Required-Permission", "").strip()
    who = response.headers.get("X-You-Are-Authenticated-As", "").strip()
    if required:
        if who == "anonymous":
            return errors.JenkinsAuthError(
                f"Jenkins at {server} treated the request as anonymous (HTTP 403) while {what}; "
                "check --jenkins-user and the API token (JENKINS_API_TOKEN)"
            )
        implied = [
            p.strip() for p in response.headers.get("X-Permission-Implied-By", "").split(",")
        ]
        implied_text = f" (or {', '.join(p for p in implied if p)})" if any(implied) else ""
        return errors.JenkinsAuthError(
            f"Jenkins at {server} refused user '{who or user}' (HTTP 403) while {what}: it lacks "
            f"the {permission_name(required)} permission ({required}){implied_text}; ask a "
            "Jenkins administrator to grant it, or use another --jenkins-user"
        )
    if "no valid crumb was included" in (response.text or "").lower():
        return errors.JenkinsCrumbError(
            f"Jenkins at {server} refused the CSRF crumb (HTTP 403) while {what}; use an API "
            "token rather than a password (API-token requests need no crumb), or make sure "
            "nothing between you and Jenkins drops cookies, then retry"
        )
    return errors.JenkinsAuthError(
        f"Jenkins at {server} refused user '{user}' (HTTP 403) while {what} and did not say "
        "why; check the user's permissions in Jenkins (Job/Read, Create, Configure, Build, "
        "Cancel) and any proxy in front of it"
    )


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
    import urllib3.exceptions

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
            raise errors.JenkinsUnreachable(
                f"cannot reach Jenkins at {server} (TLS: its certificate is not trusted or the "
                f"handshake failed) while {what}; if Jenkins uses a private CA, set "
                "REQUESTS_CA_BUNDLE=/path/to/ca-bundle.pem (the CA's certificate in PEM)"
            ) from error
        raise errors.JenkinsUnreachable(
            f"cannot reach Jenkins at {server} ({reason}) while {what}; check --jenkins-url "
            "/ JENKINS_URL and that you are connected to the environment's VPN"
        ) from error
    except (UnicodeError, urllib3.exceptions.LocationValueError) as error:
        # the host name fails IDNA (a label empty, over 63 characters or not encodable)
        raise errors.JenkinsUnreachable(
            f"the host of {server} is not a valid host name (a label is empty, longer than 63 "
            "characters or not encodable); check --jenkins-url / JENKINS_URL"
        ) from error
    except (jenkins.JenkinsException, requests.RequestException, ValueError) as error:
        response = http_response(error)
        if response is None:
            if isinstance(error, ValueError | jenkins.EmptyResponseException):
                raise errors.JenkinsError(
                    f"unexpected answer from {server} while {what}: not Jenkins JSON; "
                    "check that --jenkins-url points at Jenkins"
                ) from error
            raise errors.JenkinsError(
                f"Jenkins at {server} failed while {what}: {_first_line(str(error))}"
            ) from error
        redirect = redirected(response, server)
        if redirect is not None:
            raise redirect from error
        status = response.status_code
        crumb_request = "crumbIssuer" in (response.url or "")
        if status == 401:
            # the user is not named: swapped settings would make it the token
            raise errors.JenkinsAuthError(
                f"Jenkins at {server} refused the user and API token (HTTP 401) while {what}; "
                "check JENKINS_USER / --jenkins-user and JENKINS_API_TOKEN (are they "
                f"swapped?), or create a new token at {server}me/configure"
            ) from error
        if status == 403:
            raise _forbidden(response, server=server, user=user, what=what) from error
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
