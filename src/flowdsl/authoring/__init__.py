"""The authoring API: what workflow modules import."""

from flowdsl.authoring._conditions import Condition as Condition
from flowdsl.authoring._conditions import Js as Js
from flowdsl.authoring._conditions import is_in as is_in
from flowdsl.authoring._conditions import is_null as is_null
from flowdsl.authoring._conditions import js as js
from flowdsl.authoring._constructs import Item as Item
from flowdsl.authoring._constructs import Loop as Loop
from flowdsl.authoring._constructs import do_while as do_while
from flowdsl.authoring._constructs import dynamic_fork as dynamic_fork
from flowdsl.authoring._constructs import fork as fork
from flowdsl.authoring._constructs import sub_workflow as sub_workflow
from flowdsl.authoring._constructs import switch as switch
from flowdsl.authoring._constructs import when as when
from flowdsl.authoring._task import TaskFunction as TaskFunction
from flowdsl.authoring._task import task as task
from flowdsl.authoring._values import Handle as Handle
from flowdsl.authoring._workflow import FailureInputs as FailureInputs
from flowdsl.authoring._workflow import Inputs as Inputs
from flowdsl.authoring._workflow import TraceResult as TraceResult
from flowdsl.authoring._workflow import WorkflowFunction as WorkflowFunction
from flowdsl.authoring._workflow import workflow as workflow

__all__ = [
    "Condition",
    "FailureInputs",
    "Handle",
    "Inputs",
    "Item",
    "Js",
    "Loop",
    "TaskFunction",
    "TraceResult",
    "WorkflowFunction",
    "do_while",
    "dynamic_fork",
    "fork",
    "is_in",
    "is_null",
    "js",
    "sub_workflow",
    "switch",
    "task",
    "when",
    "workflow",
]
