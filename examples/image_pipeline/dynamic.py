"""One image in as many formats and sizes as the run asks for: the dynamic-fork post
(README.md, examples 4 and 5).

`image_multiple_convert_resize_recipes` maps image_convert_resize over a list of recipes
given at run time, with no worker of its own; `image_multiple_convert_resize` is the post's
classic form, where the pre-fork worker image_multiple_convert_resize (tasks.py) returns
the forked tasks and their inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdsl import dynamic_fork, workflow

from .tasks import Resized, Size, image_convert_resize, image_multiple_convert_resize

# The owner the published dynamic-fork workflow names.
OWNER = "jeu@orkes.io"


@dataclass
class ImageRecipe:
    """One output image: its format and size."""

    format: str
    width: int
    height: int


@dataclass
class Resizings:
    """Each forked resize's output, keyed by the forked task's reference name."""

    fileLocations: dict[str, Resized]


@workflow(
    name="image_multiple_convert_resize_recipes",
    version=1,
    owner_email=OWNER,
    workflow_status_listener_enabled=True,
)
def convert_to_recipes(fileLocation: str, recipes: list[ImageRecipe]) -> Resizings:
    """Convert an image to multiple formats and sizes"""
    resized = dynamic_fork(
        image_convert_resize,
        recipes,
        lambda r: {
            "fileLocation": fileLocation,
            "outputFormat": r.format,
            "outputWidth": r.width,
            "outputHeight": r.height,
        },
        ref="image_multiple_convert_resize_fork_ref",
    )
    return Resizings(fileLocations=resized)


@workflow(
    name="image_multiple_convert_resize",
    version=1,
    owner_email=OWNER,
    workflow_status_listener_enabled=True,
)
def convert_to_formats_and_sizes(
    fileLocation: str, outputFormats: list[str], outputSizes: list[Size]
) -> Resizings:
    """Convert an image to multiple formats and sizes"""
    plan = image_multiple_convert_resize(
        fileLocation=fileLocation, outputFormats=outputFormats, outputSizes=outputSizes
    )
    resized = dynamic_fork(
        tasks=plan.dynamicTasks,
        inputs=plan.dynamicTasksInput,
        ref="image_multiple_convert_resize_fork_ref",
    )
    return Resizings(fileLocations=resized)
