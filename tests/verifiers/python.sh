#!/usr/bin/env bash
# Prints the path of a Python that has the verifiers of requirements.txt, installing them the
# first time (a venv under the cargo target folder, reinstalled when the pins change).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/verifiers-python"
pinned="$(cat "$here/requirements.txt")"
if [ "$(cat "$venv/installed.txt" 2>/dev/null)" != "$pinned" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
    echo "$pinned" >"$venv/installed.txt"
fi
echo "$venv/bin/python"
