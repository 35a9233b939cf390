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
from flowdsl.authoring._workflow import FailureInputs as FailureInputs
from flowdsl.authoring._workflow import Inputs as Inputs
from flowdsl.authoring._workflow import TraceResult as TraceResult
from flowdsl.authoring._workflow import WorkflowFunction as WorkflowFunction
from flowdsl.authoring._workflow import workflow as workflow

__all__ = [
    "Condition",
    "EventOutput",
    "FailureInputs",
    "Handle",
    "HttpOutput",
    "HttpResponse",
    "InlineOutput",
    "Inputs",
    "Item",
    "Js",
    "JsonJqOutput",
    "Loop",
    "StartWorkflowOutput",
    "TaskFunction",
    "TaskOptions",
    "TraceResult",
    "WorkflowContext",
    "WorkflowFunction",
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
