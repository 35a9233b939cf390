"""The single-image workflow of shared/seeds/004_*.txt: resize, then upload to S3."""

from __future__ import annotations

from pydantic import BaseModel

from flowdsl import workflow

from .tasks import OWNER, image_convert_resize, upload_to_s3


class Size(BaseModel):
    width: int
    height: int


class Recipe(BaseModel):
    outputFormat: str
    outputSize: Size


@workflow(
    name="image_convert_resize",
    version=1,
    owner_email=OWNER,
    workflow_status_listener_enabled=True,
)
def resize_and_upload(fileLocation: str, recipeParameters: Recipe) -> dict[str, str]:
    """Image Processing Workflow"""
    resized = image_convert_resize(
        fileLocation=fileLocation,
        outputFormat=recipeParameters.outputFormat,
        outputWidth=recipeParameters.outputSize.width,
        outputHeight=recipeParameters.outputSize.height,
    )
    uploaded = upload_to_s3(fileLocation=resized.fileLocation)
    return {"fileLocation": uploaded.s3Url}
