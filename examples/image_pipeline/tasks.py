"""The pipeline's worker tasks: their inputs, outputs and Conductor policies.

The policies of image_convert_resize and upload_toS3 are those the blog post
(shared/seeds/004_*.txt) registers, except responseTimeoutSeconds of image_convert_resize:
the post's 60 exceeds its timeoutSeconds of 30, which Conductor rejects, so it is left to
follow timeoutSeconds (README.md). image_multiple_convert_resize, the dynamic fork's pre-fork
worker, has the policies orkes-io/orkesworkers registers for it (data/task/).

The bodies are the workers: outside a workflow, calling the function runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from flowdsl import task

OWNER = "devrel@orkes.io"


@dataclass
class Size:
    width: int
    height: int


class Resized(BaseModel):
    fileLocation: str


class Uploaded(BaseModel):
    s3Url: str


# Resizes (and converts) an image with ImageMagick, as the post's Java worker does.
@task(
    retry_count=3,
    timeout_seconds=30,
    poll_timeout_seconds=30,
    timeout_policy="TIME_OUT_WF",
    retry_logic="FIXED",
    retry_delay_seconds=60,
    concurrent_exec_limit=100,
    rate_limit_frequency_in_seconds=60,
    rate_limit_per_frequency=50,
    owner_email=OWNER,
)
def image_convert_resize(
    fileLocation: str, outputFormat: str, outputWidth: int, outputHeight: int
) -> Resized:
    magick = shutil.which("magick") or shutil.which("convert")
    if magick is None:
        raise RuntimeError("image_convert_resize needs ImageMagick (`magick` or `convert`)")
    workdir = Path(tempfile.mkdtemp(prefix="image_convert_resize_"))
    source = fileLocation
    if urllib.parse.urlparse(fileLocation).scheme in ("http", "https"):
        source = str(workdir / "input")
        urllib.request.urlretrieve(fileLocation, source)
    target = workdir / f"resized.{outputFormat}"
    subprocess.run(
        [magick, source, "-resize", f"{outputWidth}x{outputHeight}", str(target)],
        check=True,
    )
    return Resized(fileLocation=str(target))


# Uploads a local file to the S3 bucket named by $IMAGE_PIPELINE_BUCKET (needs boto3).
@task(
    name="upload_toS3",
    retry_count=3,
    timeout_seconds=30,
    poll_timeout_seconds=30,
    timeout_policy="TIME_OUT_WF",
    retry_logic="FIXED",
    retry_delay_seconds=30,
    response_timeout_seconds=30,
    concurrent_exec_limit=100,
    rate_limit_frequency_in_seconds=30,
    rate_limit_per_frequency=50,
    owner_email=OWNER,
)
def upload_to_s3(fileLocation: str) -> Uploaded:
    import boto3  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: PLC0415

    bucket = os.environ["IMAGE_PIPELINE_BUCKET"]
    key = Path(fileLocation).name
    boto3.client("s3").upload_file(fileLocation, bucket, key)
    return Uploaded(s3Url=f"https://{bucket}.s3.amazonaws.com/{key}")


class ForkedTask(BaseModel):
    """A WorkflowTask of a dynamic fork, as Conductor's `dynamicTasks` list holds it."""

    name: str
    taskReferenceName: str
    type: str = "SIMPLE"


class ResizeInputs(BaseModel):
    """The inputs of one forked image_convert_resize."""

    fileLocation: str
    outputFormat: str
    outputWidth: int
    outputHeight: int


class ForkPlan(BaseModel):
    dynamicTasks: list[ForkedTask]
    dynamicTasksInput: dict[str, ResizeInputs]


_SIZES = TypeAdapter(list[Size])


# The pre-fork worker of the dynamic-fork post (orkesworkers' ImageMultipleConvertResizeWorker):
# one image_convert_resize per format and size, named image_convert_resize_<format>_<w>x<h>_<i>.
@task(
    retry_count=3,
    timeout_seconds=30,
    poll_timeout_seconds=30,
    timeout_policy="TIME_OUT_WF",
    retry_logic="FIXED",
    retry_delay_seconds=15,
    response_timeout_seconds=30,
    concurrent_exec_limit=100,
    rate_limit_frequency_in_seconds=60,
    rate_limit_per_frequency=50,
    owner_email=OWNER,
)
def image_multiple_convert_resize(
    fileLocation: str, outputFormats: list[str], outputSizes: list[Size]
) -> ForkPlan:
    # A worker is handed JSON: the sizes arrive as objects, validated into Size here.
    sizes = _SIZES.validate_python(outputSizes)
    tasks: list[ForkedTask] = []
    inputs: dict[str, ResizeInputs] = {}
    for outputFormat in outputFormats:
        for size in sizes:
            ref = (
                f"{image_convert_resize.name}_{outputFormat}_{size.width}x{size.height}_"
                f"{len(tasks)}"
            )
            tasks.append(ForkedTask(name=image_convert_resize.name, taskReferenceName=ref))
            inputs[ref] = ResizeInputs(
                fileLocation=fileLocation,
                outputFormat=outputFormat,
                outputWidth=size.width,
                outputHeight=size.height,
            )
    return ForkPlan(dynamicTasks=tasks, dynamicTasksInput=inputs)
