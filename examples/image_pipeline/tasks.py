"""The pipeline's worker tasks: their inputs, outputs and Conductor policies.

The policies are those the blog post (shared/seeds/004_*.txt) registers, except
responseTimeoutSeconds of image_convert_resize: the post's 60 exceeds its timeoutSeconds of
30, which Conductor rejects, so it is left to follow timeoutSeconds (README.md).

The bodies are the workers: outside a workflow, calling the function runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from pydantic import BaseModel

from flowdsl import task

OWNER = "devrel@orkes.io"


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
