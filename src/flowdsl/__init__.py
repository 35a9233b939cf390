"""flowdsl: Netflix/OSS Conductor workflows as typed Python functions.

from flowdsl import task, workflow

@task(retry_count=3, timeout_seconds=30)
def resize(fileLocation: str, width: int) -> Resized: ...

@workflow(name="resize_one", version=1)
def resize_one(fileLocation: str, width: int) -> dict[str, object]:
    return {"fileLocation": resize(fileLocation=fileLocation, width=width).fileLocation}
"""

from flowdsl.authoring import Inputs as Inputs
from flowdsl.authoring import TaskFunction as TaskFunction
from flowdsl.authoring import WorkflowFunction as WorkflowFunction
from flowdsl.authoring import task as task
from flowdsl.authoring import workflow as workflow
from flowdsl.diagnostics import Diagnostic as Diagnostic
from flowdsl.diagnostics import Severity as Severity
from flowdsl.errors import FlowdslError as FlowdslError
from flowdsl.ir.nodes import Span as Span

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "FlowdslError",
    "Inputs",
    "Severity",
    "Span",
    "TaskFunction",
    "WorkflowFunction",
    "__version__",
    "task",
    "workflow",
]
