"""Run the pinned Conductor server (the one the integration tests use) until Ctrl-C.

    python scripts/conductor-server.py [--port 8080]

SQLite persistence in a temporary folder (removed on exit), loopback only. The boot jar
comes from Maven Central through scripts/fetch-conductor.sh (needs mvn and a JDK). The
server logic is tests/integration/conductor_server.py's, so what you run is what the tests run.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.conductor_server import (
    CONDUCTOR_VERSION,
    ConductorServer,
    ConductorStartError,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (8080)")
    args = parser.parse_args()
    server = ConductorServer(port=args.port)
    print(f"starting Conductor {CONDUCTOR_VERSION} (log: {server.log_path}) ...", flush=True)
    try:
        server.start()
    except ConductorStartError as exc:
        print(f"conductor-server: {exc}", file=sys.stderr)
        return 1
    print(
        f"Conductor {CONDUCTOR_VERSION} is up in {server.startup_seconds:.0f} s: "
        f"API {server.base_url}/api\n"
        f"  export CONDUCTOR_SERVER_URL={server.base_url}/api\n"
        "Ctrl-C stops it (its data goes with it).",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.cleanup()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
