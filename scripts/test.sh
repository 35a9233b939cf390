#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set up, fetch the Conductor server the
# integration tests run, lint, type-check, test. Extra arguments go to pytest.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

bash scripts/setup.sh --dev
# The rendering tests lay diagrams out with Graphviz's own dot (setup.sh installs it as root).
command -v dot >/dev/null || { echo "test: Graphviz's dot is needed (apt-get install graphviz)" >&2; exit 1; }
# The real Conductor server (Maven Central, through mvn) and a JDK that runs it.
command -v mvn >/dev/null || { echo "test: Maven (mvn) is needed to fetch the Conductor server" >&2; exit 1; }
jar=$(bash scripts/fetch-conductor.sh)
java=$(bash scripts/fetch-conductor.sh --java)
echo "conductor server: $jar (run with $java)"

.venv/bin/ruff check src tests examples benchmarks scripts
.venv/bin/ruff format --check src tests examples benchmarks scripts
.venv/bin/mypy

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
  echo "test: pytest collected no tests; that is a failure here" >&2
  exit 1
fi
exit $status
