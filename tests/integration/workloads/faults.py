"""Workers that misbehave on purpose, and one-task workflows around them.

`flowdsl worker` runs these bodies; the tests assert what the server records. Each call
counts its attempts in $FLOWDSL_FAULT_STATE/<key> (the workflow input `key`), so a worker
can fail a given number of times and then succeed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from pydantic import BaseModel

from flowdsl import task, workflow

OWNER = "flowdsl-tests@example.com"


def _attempt(key: str) -> int:
    """This call's attempt number for `key`, from 1."""
    folder = Path(os.environ["FLOWDSL_FAULT_STATE"])
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / key).open("a+") as handle:
        handle.write(".")
        handle.seek(0)
        return len(handle.read())


class Done(BaseModel):
    attempts: int


@task(retry_count=3, retry_logic="FIXED", retry_delay_seconds=1, owner_email=OWNER)
def flaky_fixed(key: str, failures: int) -> Done:
    attempt = _attempt(key)
    if attempt <= failures:
        raise RuntimeError(f"planned failure {attempt} of {failures}")
    return Done(attempts=attempt)


@task(retry_count=3, retry_logic="EXPONENTIAL_BACKOFF", retry_delay_seconds=1, owner_email=OWNER)
def flaky_backoff(key: str, failures: int) -> Done:
    attempt = _attempt(key)
    if attempt <= failures:
        raise RuntimeError(f"planned failure {attempt} of {failures}")
    return Done(attempts=attempt)


@task(retry_count=2, retry_delay_seconds=0, owner_email=OWNER)
def always_fails(key: str) -> Done:
    raise RuntimeError(f"always fails (attempt {_attempt(key)})")


# Slower than its responseTimeoutSeconds on the first attempt only.
@task(
    retry_count=1,
    retry_delay_seconds=0,
    response_timeout_seconds=1,
    timeout_seconds=30,
    timeout_policy="RETRY",
    owner_email=OWNER,
)
def slow_once(key: str, seconds: float) -> Done:
    attempt = _attempt(key)
    if attempt == 1:
        time.sleep(seconds)
    return Done(attempts=attempt)


@task(concurrent_exec_limit=2, retry_count=0, owner_email=OWNER)
def limited(key: str, seconds: float) -> Done:
    time.sleep(seconds)
    return Done(attempts=_attempt(key))


@task(retry_count=0, owner_email=OWNER)
def typed(count: int, label: str) -> str:
    return label * count


@task(retry_count=0, owner_email=OWNER)
def echo(text: str) -> str:
    return text


@workflow(name="fault_flaky_fixed", owner_email=OWNER)
def run_flaky_fixed(key: str, failures: int) -> dict[str, int]:
    return {"attempts": flaky_fixed(key=key, failures=failures).attempts}


@workflow(name="fault_flaky_backoff", owner_email=OWNER)
def run_flaky_backoff(key: str, failures: int) -> dict[str, int]:
    return {"attempts": flaky_backoff(key=key, failures=failures).attempts}


@workflow(name="fault_always_fails", owner_email=OWNER)
def run_always_fails(key: str) -> dict[str, int]:
    return {"attempts": always_fails(key=key).attempts}


@workflow(name="fault_slow_once", owner_email=OWNER)
def run_slow_once(key: str, seconds: float) -> dict[str, int]:
    return {"attempts": slow_once(key=key, seconds=seconds).attempts}


@workflow(name="fault_limited", owner_email=OWNER)
def run_limited(key: str, seconds: float) -> dict[str, int]:
    return {"attempts": limited(key=key, seconds=seconds).attempts}


@workflow(name="fault_typed", owner_email=OWNER)
def run_typed(count: int, label: str) -> dict[str, str]:
    return {"text": typed(count=count, label=label)}


@workflow(name="fault_optional", owner_email=OWNER)
def run_optional(key: str) -> dict[str, str]:
    always_fails.options(optional=True, retry_count=0)(key=key)
    return {"after": echo(text="ran after the optional failure")}
