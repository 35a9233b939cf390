"""The authoring API: what workflow modules import."""

from flowdsl.authoring._task import TaskFunction as TaskFunction
from flowdsl.authoring._task import task as task
from flowdsl.authoring._values import Handle as Handle
from flowdsl.authoring._workflow import Inputs as Inputs
from flowdsl.authoring._workflow import TraceResult as TraceResult
from flowdsl.authoring._workflow import WorkflowFunction as WorkflowFunction
from flowdsl.authoring._workflow import workflow as workflow

__all__ = [
    "Handle",
    "Inputs",
    "TaskFunction",
    "TraceResult",
    "WorkflowFunction",
    "task",
    "workflow",
]
