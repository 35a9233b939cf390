"""The single-image workflow of shared/seeds/004_*.txt: resize, then upload to S3."""

from __future__ import annotations

from dataclasses import dataclass

from flowdsl import workflow

from .tasks import OWNER, Size, image_convert_resize, upload_to_s3

# The workflow-side types are dataclasses: a parent workflow builds them from runtime values
# (`Recipe(outputFormat="jpg", outputSize=recipeParameters.outputSize)` in multiformat.py),
# which a pydantic model would refuse to validate at compile time.


@dataclass
class Recipe:
    outputFormat: str
    outputSize: Size


@dataclass
class ImageLocation:
    """Where the processed image was stored: the workflow's output, typed for its callers."""

    fileLocation: str


@workflow(
    name="image_convert_resize",
    version=1,
    owner_email=OWNER,
    workflow_status_listener_enabled=True,
)
def resize_and_upload(fileLocation: str, recipeParameters: Recipe) -> ImageLocation:
    """Image Processing Workflow"""
    resized = image_convert_resize(
        fileLocation=fileLocation,
        outputFormat=recipeParameters.outputFormat,
        outputWidth=recipeParameters.outputSize.width,
        outputHeight=recipeParameters.outputSize.height,
    )
    uploaded = upload_to_s3(fileLocation=resized.fileLocation)
    return ImageLocation(fileLocation=uploaded.s3Url)
