"""flowdsl: Netflix/OSS Conductor workflows as typed Python functions.

from flowdsl import task, workflow

@task(retry_count=3, timeout_seconds=30)
def resize(fileLocation: str, width: int) -> Resized: ...

@workflow(name="resize_one", version=1)
def resize_one(fileLocation: str, width: int) -> dict[str, object]:
    return {"fileLocation": resize(fileLocation=fileLocation, width=width).fileLocation}
"""

from flowdsl.authoring import Condition as Condition
from flowdsl.authoring import EventOutput as EventOutput
from flowdsl.authoring import FailureInputs as FailureInputs
from flowdsl.authoring import HttpOutput as HttpOutput
from flowdsl.authoring import HttpResponse as HttpResponse
from flowdsl.authoring import InlineOutput as InlineOutput
from flowdsl.authoring import Inputs as Inputs
from flowdsl.authoring import Item as Item
from flowdsl.authoring import JsonJqOutput as JsonJqOutput
from flowdsl.authoring import Loop as Loop
from flowdsl.authoring import StartWorkflowOutput as StartWorkflowOutput
from flowdsl.authoring import TaskFunction as TaskFunction
from flowdsl.authoring import TaskOptions as TaskOptions
from flowdsl.authoring import WorkflowContext as WorkflowContext
from flowdsl.authoring import WorkflowFunction as WorkflowFunction
from flowdsl.authoring import do_while as do_while
from flowdsl.authoring import dynamic as dynamic
from flowdsl.authoring import dynamic_fork as dynamic_fork
from flowdsl.authoring import event as event
from flowdsl.authoring import fork as fork
from flowdsl.authoring import http as http
from flowdsl.authoring import human as human
from flowdsl.authoring import inline as inline
from flowdsl.authoring import is_in as is_in
from flowdsl.authoring import is_null as is_null
from flowdsl.authoring import js as js
from flowdsl.authoring import json_jq as json_jq
from flowdsl.authoring import kafka_publish as kafka_publish
from flowdsl.authoring import noop as noop
from flowdsl.authoring import set_variable as set_variable
from flowdsl.authoring import start_workflow as start_workflow
from flowdsl.authoring import sub_workflow as sub_workflow
from flowdsl.authoring import switch as switch
from flowdsl.authoring import task as task
from flowdsl.authoring import terminate as terminate
from flowdsl.authoring import wait as wait
from flowdsl.authoring import when as when
from flowdsl.authoring import workflow as workflow
from flowdsl.authoring import workflow_context as workflow_context
from flowdsl.diagnostics import Diagnostic as Diagnostic
from flowdsl.diagnostics import Severity as Severity
from flowdsl.errors import FlowdslError as FlowdslError
from flowdsl.ir.nodes import Span as Span

__version__ = "0.1.0"

__all__ = [
    "Condition",
    "Diagnostic",
    "EventOutput",
    "FailureInputs",
    "FlowdslError",
    "HttpOutput",
    "HttpResponse",
    "InlineOutput",
    "Inputs",
    "Item",
    "JsonJqOutput",
    "Loop",
    "Severity",
    "Span",
    "StartWorkflowOutput",
    "TaskFunction",
    "TaskOptions",
    "WorkflowContext",
    "WorkflowFunction",
    "__version__",
    "do_while",
    "dynamic",
    "dynamic_fork",
    "event",
    "fork",
    "http",
    "human",
    "inline",
    "is_in",
    "is_null",
    "js",
    "json_jq",
    "kafka_publish",
    "noop",
    "set_variable",
    "start_workflow",
    "sub_workflow",
    "switch",
    "task",
    "terminate",
    "wait",
    "when",
    "workflow",
    "workflow_context",
]
