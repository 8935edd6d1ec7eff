#!/usr/bin/env bash
# `rollcall parse` beside the Python and Node peer readers of ../shared/bench, on the peers'
# generated corpus, in one run (issue 11 §5; figures in docs/performance.md).
#
#   bash bench/parse/side_by_side.sh [messages] [runs] [other-rollcall-binary ...]
#
# Generates `messages` invitations with gen_corpus.py (default 3000, the same files every time),
# builds the release binary, installs the peers once under the target folder (a venv from
# requirements.txt, `npm ci` of a copy of the Node peer), then runs, `runs` times in turn
# (default 5): each rollcall binary (this tree's, then any given, e.g. an older build to compare
# with) as a whole process timed by /usr/bin/time, and each peer, which times its own reading
# loop with the CPU clock. Prints the median messages per CPU-second of each.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shared="$root/../shared/bench"
target="${CARGO_TARGET_DIR:-$root/target}"
messages="${1:-3000}"
runs="${2:-5}"
shift $(($# < 2 ? $# : 2))
corpus="$target/bench-corpus-$messages"
peers="$target/bench-peers"

[ -f "$corpus/manifest.jsonl" ] || python3 "$shared/gen_corpus.py" "$messages" "$corpus" >&2

# Line tables kept so that `perf record` of the same binary names functions.
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_STRIP=none \
    cargo build --release -p rollcall-local --bin rollcall --locked >&2
binaries=("$target/release/rollcall" "$@")

if [ ! -x "$peers/venv/bin/python" ]; then
    python3 -m venv "$peers/venv"
    "$peers/venv/bin/python" -m pip install -q --disable-pip-version-check -r "$shared/requirements.txt"
fi
if [ ! -d "$peers/node/node_modules" ]; then
    mkdir -p "$peers/node"
    cp "$shared/package.json" "$shared/package-lock.json" "$shared/node_parse.mjs" "$peers/node/"
    (cd "$peers/node" && npm ci --silent --no-audit --no-fund >&2)
fi

results="$(mktemp)"
timing="$(mktemp)"
trap 'rm -f "$results" "$timing"' EXIT
for run in $(seq "$runs"); do
    for binary in "${binaries[@]}"; do
        /usr/bin/time -o "$timing" -f "%U %S" "$binary" parse "$corpus"/*.eml > /dev/null 2>&1
        awk -v b="$binary" -v n="$messages" '{ printf "%s\t%.0f\n", b, n / ($1 + $2) }' "$timing" >> "$results"
    done
    "$peers/venv/bin/python" "$shared/py_parse.py" "$corpus" |
        python3 -c 'import json,sys; print("python email + icalendar\t%.0f" % json.load(sys.stdin)["msgs_per_cpu_s"])' >> "$results"
    node "$peers/node/node_parse.mjs" "$corpus" |
        python3 -c 'import json,sys; print("node mailparser + node-ical\t%.0f" % json.load(sys.stdin)["msgs_per_cpu_s"])' >> "$results"
    echo "run $run of $runs done" >&2
done

echo "reader	median messages per CPU-second ($messages messages, $runs runs)"
python3 - "$results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rate = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append(float(rate))
for name, rates in rows.items():
    print("%s\t%.0f\t(runs: %s)" % (name, statistics.median(rates), " ".join("%.0f" % r for r in rates)))
EOF
