"""The image pipeline end to end: registered with `flowdsl register`, run with
`flowdsl run --wait`, executed by `flowdsl worker` running the example's own task bodies.

Each case names a workflow of examples/image_pipeline, its input, and the images it must
produce (format and size), so a pipeline is added as one more case. The store is the local
folder (the default) or a real S3-compatible server on loopback: moto in server mode
(`moto.server.ThreadedMotoServer`), which speaks the S3 REST protocol boto3 uses against
any endpoint; MinIO would need a binary download, moto is a pip package.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..conftest import REPO, run_cli
from .conductor_server import ConductorServer
from .workers import WorkerProcess, api_url

PIL = pytest.importorskip("PIL.Image", reason="the examples extra (Pillow) is needed")
EXAMPLE = REPO / "examples" / "image_pipeline"
TASK_TYPES = ("image_convert_resize", "upload_toS3")
BUCKET = "flowdsl-images"


@dataclass(frozen=True)
class Expected:
    format: str  # Pillow's format name
    size: tuple[int, int]


@dataclass(frozen=True)
class Case:
    id: str
    workflow: str  # NAME or NAME:VERSION
    input: dict[str, Any]  # "{source}" stands for the input image's location
    images: list[Expected] = field(default_factory=list)  # in the order of output URLs
    # Where the output URLs are in the workflow output (a key holding one URL or a list).
    output_key: str = "fileLocation"
    via: str = "path"  # the input image as a local path, or "http": an http:// URL


def recipe(fmt: str, width: int, height: int) -> dict[str, Any]:
    return {"outputFormat": fmt, "outputSize": {"width": width, "height": height}}


CASES = [
    Case(
        "single-jpg",
        "image_convert_resize:1",
        {"fileLocation": "{source}", "recipeParameters": recipe("jpg", 300, 200)},
        [Expected("JPEG", (300, 200))],
    ),
    Case(
        "single-webp",
        "image_convert_resize:1",
        {"fileLocation": "{source}", "recipeParameters": recipe("webp", 120, 90)},
        [Expected("WEBP", (120, 90))],
        via="http",
    ),
    Case(
        "single-gif",
        "image_convert_resize:1",
        {"fileLocation": "{source}", "recipeParameters": recipe("gif", 64, 64)},
        [Expected("GIF", (64, 64))],
    ),
    Case(
        "single-png",
        "image_convert_resize:1",
        {"fileLocation": "{source}", "recipeParameters": recipe("png", 31, 47)},
        [Expected("PNG", (31, 47))],
        via="http",
    ),
]


@pytest.fixture(scope="module")
def source_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 640x480 RGBA PNG with transparency (so the JPEG case must flatten it)."""
    from PIL import Image, ImageDraw

    path = tmp_path_factory.mktemp("source") / "input.png"
    image = Image.new("RGBA", (640, 480), (30, 120, 200, 160))
    ImageDraw.Draw(image).ellipse((100, 80, 540, 400), fill=(250, 200, 0, 255))
    image.save(path)
    return path


@pytest.fixture(scope="module")
def http_source(source_image: Path) -> Iterator[str]:
    """The source image served over HTTP on loopback (the http(s) URL input)."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(source_image.parent)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{source_image.name}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Store:
    kind: str
    env: dict[str, str]
    local: Path | None = None
    s3: Any = None  # a boto3 client


@pytest.fixture(scope="module", params=["local", "s3"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    workdir = tmp_path_factory.mktemp("work")
    if request.param == "local":
        folder = tmp_path_factory.mktemp("store")
        yield Store(
            "local",
            {"IMAGE_PIPELINE_WORKDIR": str(workdir), "IMAGE_PIPELINE_STORE": str(folder)},
            local=folder,
        )
        return
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        "IMAGE_PIPELINE_WORKDIR": str(workdir),
        "IMAGE_PIPELINE_BUCKET": BUCKET,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=BUCKET)
    try:
        yield Store("s3", env, s3=s3)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pipeline_workers(conductor: ConductorServer, store: Store) -> Iterator[Store]:
    proc = run_cli("register", str(EXAMPLE), "--server", api_url(conductor), cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    worker = WorkerProcess(conductor, [str(EXAMPLE)], "--threads", "2", env=store.env)
    worker.start(TASK_TYPES)
    try:
        yield store
    finally:
        code = worker.stop()
        assert code == 0, f"worker did not stop cleanly ({code}):\n{worker.output}"


def _fill(value: Any, source: str) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, source) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, source) for v in value]
    return source if value == "{source}" else value


def _open(store: Store, url: str) -> Any:
    from io import BytesIO

    from PIL import Image

    if store.kind == "local":
        assert url.startswith("file://"), url
        path = Path(url.removeprefix("file://"))
        assert store.local is not None and path.parent == store.local.resolve()
        return Image.open(path)
    prefix = f"{store.env['AWS_ENDPOINT_URL_S3']}/{BUCKET}/"
    assert url.startswith(prefix), url
    body = store.s3.get_object(Bucket=BUCKET, Key=url.removeprefix(prefix))["Body"].read()
    return Image.open(BytesIO(body))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_pipeline_produces_the_requested_images(
    conductor: ConductorServer,
    pipeline_workers: Store,
    source_image: Path,
    http_source: str,
    tmp_path: Path,
    case: Case,
) -> None:
    source = str(source_image) if case.via == "path" else http_source
    (tmp_path / "input.json").write_text(json.dumps(_fill(case.input, source)))
    proc = run_cli(
        "run", case.workflow, "--input", "@input.json", "--wait", "--timeout", "90",
        "--server", api_url(conductor), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    output = json.loads(proc.stdout[proc.stdout.index("\n{") :])
    urls = output[case.output_key]
    urls = urls if isinstance(urls, list) else [urls]
    assert len(urls) == len(case.images)
    for url, expected in zip(urls, case.images, strict=True):
        with _open(pipeline_workers, url) as image:
            image.load()
            assert (image.format, image.size) == (expected.format, expected.size), url
