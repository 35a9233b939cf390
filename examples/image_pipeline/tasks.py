"""The pipeline's worker tasks: their inputs, outputs and Conductor policies.

The policies of image_convert_resize and upload_toS3 are those the blog post
(shared/seeds/004_*.txt) registers, except responseTimeoutSeconds of image_convert_resize:
the post's 60 exceeds its timeoutSeconds of 30, which Conductor rejects, so it is left to
follow timeoutSeconds (README.md). image_multiple_convert_resize, the dynamic fork's pre-fork
worker, has the policies orkes-io/orkesworkers registers for it (data/task/).

The bodies are the workers (`flowdsl worker examples/image_pipeline`); outside a workflow,
calling the function runs it. They import Pillow and boto3 (and urllib.request) only when they
run (the `examples` extra), so compiling the workflow needs neither and starts faster.

- `image_convert_resize` reads a local path or an http(s) URL and writes the image resized
  to exactly outputWidth x outputHeight in outputFormat (jpg, png, webp, gif, or any format
  Pillow writes) under $IMAGE_PIPELINE_WORKDIR (default: a temporary folder).
- `upload_toS3` stores the file in the S3 bucket $IMAGE_PIPELINE_BUCKET of any S3-compatible
  store (boto3's own settings: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for a store other
  than AWS, the usual credentials). Without a bucket it copies the file into the local
  folder $IMAGE_PIPELINE_STORE (default: ./image-store) and returns its file:// URL.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


# Pillow's format names for the extensions people write.
_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
# Formats without an alpha channel: transparent pixels are laid on white.
_NO_ALPHA = {"JPEG"}
DOWNLOAD_TIMEOUT_SECONDS = 20


def _read_source(location: str) -> bytes:
    import urllib.request  # noqa: PLC0415 (with http.client and ssl: only when it runs)

    scheme = urllib.parse.urlparse(location).scheme
    if scheme in ("http", "https"):
        with urllib.request.urlopen(location, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            data: bytes = response.read()
            return data
    if scheme == "file":
        location = urllib.request.url2pathname(urllib.parse.urlparse(location).path)
    return Path(location).read_bytes()


def _pillow_format(output_format: str) -> tuple[str, str]:
    """(Pillow format name, file extension) for an outputFormat such as "jpg"."""
    from PIL import Image  # noqa: PLC0415

    Image.init()  # load every format plugin, so SAVE and the extensions are complete
    ext = output_format.lower().lstrip(".")
    name = _FORMATS.get(ext) or Image.registered_extensions().get(f".{ext}")
    if name is None or name not in Image.SAVE:
        raise ValueError(f"outputFormat {output_format!r} is not an image format Pillow writes")
    return name, ext


def _workdir() -> Path:
    configured = os.environ.get("IMAGE_PIPELINE_WORKDIR")
    folder = Path(configured) if configured else Path(tempfile.gettempdir()) / "image_pipeline"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Resizes (and converts) an image, as the post's ImageMagick worker does, with Pillow.
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
    from PIL import Image, ImageOps  # noqa: PLC0415

    if outputWidth < 1 or outputHeight < 1:
        raise ValueError(f"the output size {outputWidth}x{outputHeight} is not positive")
    pillow_format, ext = _pillow_format(outputFormat)
    with Image.open(io.BytesIO(_read_source(fileLocation))) as source:
        image = ImageOps.exif_transpose(source).resize((outputWidth, outputHeight))
    if pillow_format in _NO_ALPHA and image.mode != "RGB":
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    stem = Path(urllib.parse.urlparse(fileLocation).path).stem or "image"
    target = _workdir() / f"{stem}_{outputWidth}x{outputHeight}_{uuid.uuid4().hex[:8]}.{ext}"
    partial = target.with_name(f".{target.name}.part")
    image.save(partial, format=pillow_format)
    partial.replace(target)  # a reader never sees half an image
    return Resized(fileLocation=str(target))


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
    source = Path(fileLocation)
    if not source.is_file():
        raise FileNotFoundError(f"no file at {fileLocation}")
    bucket = os.environ.get("IMAGE_PIPELINE_BUCKET")
    if not bucket:
        store = Path(os.environ.get("IMAGE_PIPELINE_STORE", "image-store")).resolve()
        store.mkdir(parents=True, exist_ok=True)
        target = store / source.name
        shutil.copyfile(source, target)
        return Uploaded(s3Url=target.as_uri())
    import boto3  # noqa: PLC0415

    client: Any = boto3.client("s3")
    key = source.name
    client.upload_file(str(source), bucket, key)
    endpoint = str(client.meta.endpoint_url).rstrip("/")
    return Uploaded(s3Url=f"{endpoint}/{bucket}/{urllib.parse.quote(key)}")


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
