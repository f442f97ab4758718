"""Who we are in Jenkins and what Jenkins lets us do, asked without changing anything.

Jenkins has no "may I?" endpoint; its permission answers come with the requests themselves
(``AccessDeniedException3.reportAsHeaders``: a 403 with ``X-Required-Permission``). Each probe
is a request that Jenkins core checks the permission of first and that then changes nothing
(jenkinsci/jenkins 2.4xx, read in its sources):

* identity: ``GET whoAmI/api/json`` (``jenkins.security.WhoAmI``: ``name``, ``authenticated``,
  ``anonymous``);
* Job/Create: ``POST createItem`` with neither name nor content type
  (``ItemGroupMixIn.createTopLevelItem`` checks ``Item.CREATE`` first, then refuses with
  ``Failure("No Content-Type header set")``);
* Job/Configure: ``POST job/x/config.xml`` with the job's own configuration, unchanged
  (``AbstractItem.updateByXml`` checks ``Item.CONFIGURE`` first);
* Job/Build: ``GET job/x/polling`` (``BuildAuthorizationToken.checkPermission`` checks
  ``Item.BUILD`` first; a job without an SCM trigger, like ours, polls nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sccos_backup import errors
from sccos_backup.jenkins.config import job_path
from sccos_backup.jenkins.http_errors import http_response
from sccos_backup.jenkins.session import JenkinsSession

CREATE = "hudson.model.Item.Create"
CONFIGURE = "hudson.model.Item.Configure"
BUILD = "hudson.model.Item.Build"


@dataclass(frozen=True)
class Who:
    name: str
    authenticated: bool


class AccessChecks:
    """Identity and permission probes."""

    def __init__(self, session: JenkinsSession) -> None:
        self._session = session
        self.server = session.server

    def whoami(self) -> Who:
        what = "asking who we are"
        response = self._session.read(what, lambda: self._session.request("GET", "whoAmI/api/json"))
        try:
            body: Any = response.json()
        except ValueError:
            raise errors.JenkinsError(
                f"unexpected answer from {self.server} while {what}: not Jenkins JSON; check "
                "that --jenkins-url points at Jenkins"
            ) from None
        anonymous = bool(body.get("anonymous")) or body.get("name") == "anonymous"
        return Who(str(body.get("name", "")), bool(body.get("authenticated")) and not anonymous)

    def may_create_in(self, folder: str) -> str | None:
        """None when Job/Create is granted in ``folder`` ("" for the root), else the missing
        permission."""
        path = (job_path(folder) if folder else "") + "createItem"
        return self._probe(f"checking {CREATE}", "POST", path)

    def may_configure(self, name: str, config_xml: str) -> str | None:
        return self._probe(
            f"checking {CONFIGURE} on job '{name}'",
            "POST",
            f"{job_path(name)}config.xml",
            data=config_xml.encode("utf-8"),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )

    def may_build(self, name: str) -> str | None:
        return self._probe(f"checking {BUILD} on job '{name}'", "GET", f"{job_path(name)}polling")

    def _probe(self, what: str, method: str, path: str, **kwargs: Any) -> str | None:
        try:
            with self._session.call(what):
                self._session.request(method, path, **kwargs)
        except errors.JenkinsError as error:
            response = http_response(error.__cause__) if error.__cause__ is not None else None
            if response is None:
                raise
            required = response.headers.get("X-Required-Permission", "").strip()
            if response.status_code == 403 and required:
                return required
            if response.status_code in (400, 405):  # refused after the permission check
                return None
            raise
        return None


def folder_of(job: str) -> str:
    return job.rpartition("/")[0]
