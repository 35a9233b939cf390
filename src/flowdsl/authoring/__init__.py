"""The authoring API: what workflow modules import."""

from flowdsl.authoring._system import EventOutput as EventOutput
from flowdsl.authoring._system import HttpOutput as HttpOutput
from flowdsl.authoring._system import HttpResponse as HttpResponse
from flowdsl.authoring._system import InlineOutput as InlineOutput
from flowdsl.authoring._system import JsonJqOutput as JsonJqOutput
from flowdsl.authoring._system import StartWorkflowOutput as StartWorkflowOutput
from flowdsl.authoring._system import TaskOptions as TaskOptions
from flowdsl.authoring._system import WorkflowContext as WorkflowContext
from flowdsl.authoring._system import dynamic as dynamic
from flowdsl.authoring._system import event as event
from flowdsl.authoring._system import http as http
from flowdsl.authoring._system import human as human
from flowdsl.authoring._system import inline as inline
from flowdsl.authoring._system import json_jq as json_jq
from flowdsl.authoring._system import kafka_publish as kafka_publish
from flowdsl.authoring._system import noop as noop
from flowdsl.authoring._system import set_variable as set_variable
from flowdsl.authoring._system import start_workflow as start_workflow
from flowdsl.authoring._system import terminate as terminate
from flowdsl.authoring._system import wait as wait
from flowdsl.authoring._system import workflow_context as workflow_context
from flowdsl.authoring._task import TaskFunction as TaskFunction
from flowdsl.authoring._task import task as task
from flowdsl.authoring._values import Handle as Handle
from flowdsl.authoring._workflow import Inputs as Inputs
from flowdsl.authoring._workflow import TraceResult as TraceResult
from flowdsl.authoring._workflow import WorkflowFunction as WorkflowFunction
from flowdsl.authoring._workflow import workflow as workflow

__all__ = [
    "EventOutput",
    "Handle",
    "HttpOutput",
    "HttpResponse",
    "InlineOutput",
    "Inputs",
    "JsonJqOutput",
    "StartWorkflowOutput",
    "TaskFunction",
    "TaskOptions",
    "TraceResult",
    "WorkflowContext",
    "WorkflowFunction",
    "dynamic",
    "event",
    "http",
    "human",
    "inline",
    "json_jq",
    "kafka_publish",
    "noop",
    "set_variable",
    "start_workflow",
    "task",
    "terminate",
    "wait",
    "workflow",
    "workflow_context",
]
