"""One image in two formats at once: the FORK posts (README.md, examples 2 and 3).

`image_convert_resize_multipleformat` forks into a jpg and a webp branch, each resizing the
image and uploading the result; `image_convert_resize_multipleformat_subworkflow` runs the
single-image workflow of workflows.py as each branch instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdsl import fork, sub_workflow, workflow

from .tasks import OWNER, Size, Uploaded, image_convert_resize, upload_to_s3
from .workflows import ImageLocation, Recipe, resize_and_upload


@dataclass
class Sizing:
    """The recipe both branches share; each branch sets its own format."""

    outputSize: Size


@dataclass
class TwoFormats:
    fileLocationJpg: str
    fileLocationWebp: str


def convert_and_upload(fileLocation: str, outputSize: Size, outputFormat: str) -> Uploaded:
    """One branch: resize to the format, then upload (references named after the format)."""
    resized = image_convert_resize.options(ref=f"image_convert_resize_{outputFormat}_ref")(
        fileLocation=fileLocation,
        outputFormat=outputFormat,
        outputWidth=outputSize.width,
        outputHeight=outputSize.height,
    )
    return upload_to_s3.options(ref=f"upload_toS3_{outputFormat}_ref")(
        fileLocation=resized.fileLocation
    )


@workflow(
    name="image_convert_resize_multipleformat",
    version=1,
    owner_email=OWNER,
    workflow_status_listener_enabled=True,
)
def multiple_formats(fileLocation: str, recipeParameters: Sizing) -> TwoFormats:
    """Image Processing Workflow"""
    jpg, webp = fork(
        lambda: convert_and_upload(fileLocation, recipeParameters.outputSize, "jpg"),
        lambda: convert_and_upload(fileLocation, recipeParameters.outputSize, "webp"),
        ref="image_convert_resize_multipleformat_ref",
    )
    return TwoFormats(fileLocationJpg=jpg.s3Url, fileLocationWebp=webp.s3Url)


def convert_in_sub_workflow(
    fileLocation: str, outputSize: Size, outputFormat: str
) -> ImageLocation:
    """One branch: the single-image workflow, as a SUB_WORKFLOW."""
    return sub_workflow(
        resize_and_upload.options(ref=f"subworkflow_{outputFormat}_ref"),
        fileLocation=fileLocation,
        recipeParameters=Recipe(
            outputFormat=outputFormat,
            outputSize=Size(width=outputSize.width, height=outputSize.height),
        ),
    )


@workflow(
    name="image_convert_resize_multipleformat_subworkflow",
    version=1,
    owner_email=OWNER,
    workflow_status_listener_enabled=True,
)
def multiple_formats_in_sub_workflows(fileLocation: str, recipeParameters: Sizing) -> TwoFormats:
    """Image Processing Workflow"""
    jpg, webp = fork(
        lambda: convert_in_sub_workflow(fileLocation, recipeParameters.outputSize, "jpg"),
        lambda: convert_in_sub_workflow(fileLocation, recipeParameters.outputSize, "webp"),
        ref="image_convert_resize_multipleformat_ref",
    )
    return TwoFormats(fileLocationJpg=jpg.fileLocation, fileLocationWebp=webp.fileLocation)
