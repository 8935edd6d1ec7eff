#!/usr/bin/env bash
# Interop check for Rollcall's personal invitations: reads sample invitations with Python's
# `icalendar` (plus the standard `email` package for the MIME shape) and with `ical.js`, and
# fails if either disagrees with what the samples mean (expected.json).
#
#   tests/interop/run.sh              generate samples with cargo, then check them
#   tests/interop/run.sh SAMPLES_DIR  check samples already written (what `cargo test` does:
#                                     crates/mail/tests/interop.rs writes them and calls this)
#
# Installs what it needs: icalendar (pinned in requirements.txt) into a venv under the cargo
# target folder, and ical.js (pinned in package-lock.json) with `npm ci` in this folder.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$target"
pinned="$(cat "$here/requirements.txt")"
stamp="$target/interop-python/installed.txt"

# Python: a venv when the interpreter has one, else a plain --target folder on PYTHONPATH.
python="$target/interop-python/venv/bin/python"
if [ "$(cat "$stamp" 2>/dev/null)" != "$pinned" ]; then
    rm -rf "$target/interop-python"
    mkdir -p "$target/interop-python"
    if python3 -m venv "$target/interop-python/venv" >/dev/null 2>&1; then
        "$python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
    else
        rm -rf "$target/interop-python/venv"
        python3 -m pip install -q --disable-pip-version-check \
            --target "$target/interop-python/lib" -r "$here/requirements.txt"
    fi
    echo "$pinned" >"$stamp"
fi
if [ -x "$python" ]; then
    run_python=("$python")
else
    run_python=(env "PYTHONPATH=$target/interop-python/lib" python3)
fi

# Node: npm ci only when node_modules does not match the lock file.
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.rollcall-lock"; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/package-lock.json" "$here/node_modules/.rollcall-lock"
fi

samples="${1:-}"
if [ -z "$samples" ]; then
    samples="$(mktemp -d)"
    trap 'rm -rf "$samples"' EXIT
    (cd "$root" && ROLLCALL_INTEROP_DIR="$samples" cargo test -q -p rollcall-mail --test interop \
        -- --exact writes_samples_when_rollcall_interop_dir_is_set >/dev/null)
fi

status=0
"${run_python[@]}" "$here/check_python.py" "$samples" || status=1
# A zone other than UTC, so a TZID ical.js fails to resolve cannot pass as UTC by accident.
TZ=Pacific/Chatham node "$here/check_icaljs.mjs" "$samples" || status=1
exit "$status"
