#!/usr/bin/env bash
# Set up a development environment: a virtualenv in .venv with flowdsl (editable) and the
# test tools. Idempotent: re-running only installs what changed.
#
#   scripts/setup.sh            flowdsl and its dependencies
#   scripts/setup.sh --dev      ... plus pytest, hypothesis, ruff, mypy
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

python=${PYTHON:-python3}
"$python" - <<'PY' || { echo "setup: flowdsl needs Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
extras=""
[[ ${1:-} == "--dev" ]] && extras="[dev]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
