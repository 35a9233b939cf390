"""A small client for the Conductor REST API (standard library only: the few calls the
commands make are plain JSON over HTTP, and ``urllib`` keeps ``flowdsl`` quick to start).

The server URL is the API base, as Conductor's SDKs take it (``http://host:8080/api``);
``CONDUCTOR_SERVER_URL`` is the default. Secured servers (Orkes) take either a token
(``CONDUCTOR_AUTH_TOKEN``) or a key and secret (``CONDUCTOR_AUTH_KEY`` and
``CONDUCTOR_AUTH_SECRET``, the names conductor-python reads) exchanged for a token at
``POST {api}/token``; either is sent as the ``X-Authorization`` header, as the SDKs do
(conductor-python ``conductor/client/http/api_client.py``). Credentials come only from the
environment, never from the command line (where ``ps`` would show them).

Endpoints: conductor-oss/conductor ``rest/src/main/java/com/netflix/conductor/rest/
controllers/MetadataResource.java`` (definitions) and ``WorkflowResource.java`` (runs).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowdsl.errors import FlowdslError

DEFAULT_SERVER_URL = "http://localhost:8080/api"
SERVER_URL_ENV = "CONDUCTOR_SERVER_URL"
TOKEN_ENV = "CONDUCTOR_AUTH_TOKEN"
KEY_ENV = "CONDUCTOR_AUTH_KEY"
SECRET_ENV = "CONDUCTOR_AUTH_SECRET"


class ServerUnreachable(FlowdslError):  # noqa: N818
    """No HTTP answer at all: connection refused, unknown host, timeout (exit 2)."""


class ServerError(FlowdslError):
    """The server answered with an HTTP error. ``message`` is the server's own words."""

    def __init__(self, method: str, url: str, status: int, body: Any) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.message = error_message(body) or f"HTTP {status}"
        super().__init__(f"{method} {url}: HTTP {status}: {self.message}")


def error_message(body: Any) -> str:
    """The text of a Conductor error body: ``message`` plus each validation error.

    The body is ``ErrorResponse`` (``rest/.../controllers/ApplicationExceptionMapper.java``,
    ``ValidationExceptionMapper.java``): ``{status, message, validationErrors: [{path,
    message, invalidValue}]}``.
    """
    if not isinstance(body, dict):
        return str(body).strip() if body else ""
    parts: list[str] = []
    errors = [e for e in body.get("validationErrors") or [] if isinstance(e, dict)]
    message = body.get("message")
    # "Validation failed, check below errors for detail." says nothing the errors do not.
    if isinstance(message, str) and message and not (errors and message.startswith("Validation")):
        parts.append(message)
    for error in errors:
        text = str(error.get("message") or "").strip()
        # Bean validation paths name the Java method: validateWorkflowDef.arg0.tasks[1].
        path = _METHOD_ARG.sub("", str(error.get("path") or ""))
        item = f"{path}: {text}" if path and text else text
        if item and item not in parts:
            parts.append(item)
    return "; ".join(parts)


_METHOD_ARG = re.compile(r"^\w+\.arg\d+\.?")


@dataclass(frozen=True)
class Auth:
    """How to authenticate: a ready token, or a key and secret exchanged for one."""

    token: str | None = None
    key_id: str | None = None
    key_secret: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Auth | None:
        env = os.environ if env is None else env
        token = env.get(TOKEN_ENV) or None
        key, secret = env.get(KEY_ENV) or None, env.get(SECRET_ENV) or None
        if (key is None) != (secret is None):
            missing = SECRET_ENV if secret is None else KEY_ENV
            raise FlowdslError(f"{KEY_ENV} and {SECRET_ENV} go together; {missing} is not set")
        if token is None and key is None:
            return None
        return cls(token=token, key_id=key, key_secret=secret)


def server_url(option: str | None, env: Mapping[str, str] | None = None) -> str:
    """The API base URL: the option, else ``$CONDUCTOR_SERVER_URL``, else localhost:8080."""
    env = os.environ if env is None else env
    url = (option or env.get(SERVER_URL_ENV) or DEFAULT_SERVER_URL).strip().rstrip("/")
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise FlowdslError(f"server URL {url!r} is not an http(s) URL (e.g. {DEFAULT_SERVER_URL})")
    return url


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


class ConductorClient:
    """JSON over HTTP to one Conductor server. HTTP errors raise :class:`ServerError`,
    no answer raises :class:`ServerUnreachable`."""

    def __init__(self, api_url: str, auth: Auth | None = None, *, timeout: float = 30.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self._token: str | None = auth.token if auth is not None else None

    # -- transport -------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, body: Any, query: Mapping[str, Any] | None, auth: bool
    ) -> tuple[int, str]:
        url = self.api_url + path
        if query:
            given = {k: v for k, v in query.items() if v is not None}
            if given:
                url += "?" + urllib.parse.urlencode(given)
        headers = {"Accept": "application/json, text/plain"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            token = self.token()
            if token is not None:
                headers["X-Authorization"] = token
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", errors="replace")
            raise ServerError(method, url, err.code, _parse(text)) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ServerUnreachable(
                f"cannot reach the Conductor server at {url}: {reason}"
            ) from None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Mapping[str, Any] | None = None,
    ) -> Any:
        """The parsed JSON answer (text when it is not JSON, None when empty)."""
        _status, text = self._send(method, path, body, query, auth=True)
        return _parse(text)

    def token(self) -> str | None:
        """The token to send, fetched once from ``POST /token`` for a key and secret."""
        if self._token is None and self.auth is not None and self.auth.key_id is not None:
            body = {"keyId": self.auth.key_id, "keySecret": self.auth.key_secret}
            _status, text = self._send("POST", "/token", body, None, auth=False)
            answer = _parse(text)
            token = answer.get("token") if isinstance(answer, dict) else None
            if not isinstance(token, str) or not token:
                raise FlowdslError(f"POST {self.api_url}/token answered without a token")
            self._token = token
        return self._token

    # -- metadata --------------------------------------------------------------------------

    def get_task_def(self, name: str) -> dict[str, Any] | None:
        """The registered TaskDef, or None when the server has none by that name."""
        found: dict[str, Any] | None = self._get_or_none(f"/metadata/taskdefs/{_quote(name)}")
        return found

    def create_task_defs(self, task_defs: list[dict[str, Any]]) -> None:
        self.request("POST", "/metadata/taskdefs", task_defs)

    def update_task_def(self, task_def: dict[str, Any]) -> None:
        self.request("PUT", "/metadata/taskdefs", task_def)

    def get_workflow_def(self, name: str, version: int | None = None) -> dict[str, Any] | None:
        """That version (the latest when None) of a workflow, or None when it is missing."""
        path = f"/metadata/workflow/{_quote(name)}"
        found: dict[str, Any] | None = self._get_or_none(path, query={"version": version})
        return found

    def create_workflow_def(self, workflow: dict[str, Any]) -> None:
        """Register a new workflow version; the server refuses an existing one (409)."""
        self.request("POST", "/metadata/workflow", workflow)

    def update_workflow_defs(self, workflows: list[dict[str, Any]]) -> None:
        """Create or replace workflow versions (``PUT /metadata/workflow``)."""
        self.request("PUT", "/metadata/workflow", workflows)

    def validate_workflow_def(self, workflow: dict[str, Any]) -> None:
        """Raise :class:`ServerError` when the server would refuse the definition."""
        self.request("POST", "/metadata/workflow/validate", workflow)

    def _get_or_none(self, path: str, query: Mapping[str, Any] | None = None) -> Any:
        try:
            answer = self.request("GET", path, query=query)
        except ServerError as err:
            if err.status == 404:
                return None
            raise
        # Some versions answer an unknown name with 200 and an empty body.
        return answer if isinstance(answer, dict) and answer else None

    # -- executions ------------------------------------------------------------------------

    def start_workflow(self, name: str, version: int | None, workflow_input: dict[str, Any]) -> str:
        """Start a run; the workflow id (``POST /workflow/{name}``, text/plain answer)."""
        answer = self.request(
            "POST", f"/workflow/{_quote(name)}", workflow_input, query={"version": version}
        )
        if not isinstance(answer, str) or not answer:
            raise FlowdslError(f"starting {name} returned no workflow id: {answer!r}")
        return answer

    def get_workflow(self, workflow_id: str, *, include_tasks: bool = True) -> dict[str, Any]:
        answer = self.request(
            "GET",
            f"/workflow/{_quote(workflow_id)}",
            query={"includeTasks": str(include_tasks).lower()},
        )
        if not isinstance(answer, dict):
            raise FlowdslError(f"workflow {workflow_id}: unexpected answer {answer!r}")
        return answer


def _parse(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
