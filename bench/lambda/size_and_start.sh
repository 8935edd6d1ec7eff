#!/usr/bin/env bash
# Size and start-up of the four Lambda functions (issue 4 §6; figures in docs/performance.md).
#
#   bash bench/lambda/size_and_start.sh [runs]
#
# Builds them as `sam build` does, with cargo-lambda (and Zig for linking), both from PyPI into
# a venv under the target folder: release profile, x86_64 here (the deploy builds arm64 the same
# way with --arm64). Reports each bootstrap.zip's size, then starts each function repeatedly
# against a local Runtime API (bench/lambda/start_time.py) with moto standing in for SSM.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/lambda-venv"
runs="${1:-15}"

if [ ! -x "$venv/bin/cargo-lambda" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check cargo-lambda==1.9.2 ziglang==0.17.0
fi
export PATH="$venv/bin:$PATH"

cd "$root"
cargo lambda build --release --x86-64 --output-format zip -p rollcall-functions \
    --bin api --bin inbound --bin worker --bin events >&2

echo "function   bootstrap.zip (bytes)   bootstrap (bytes, unzipped)"
for f in api inbound worker events; do
    zip="$target/lambda/$f/bootstrap.zip"
    unzipped=$(python3 -c "import zipfile,sys; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))" "$zip")
    printf '%-10s %21s %27s\n' "$f" "$(stat -c %s "$zip")" "$unzipped"
done

# Unzip for the start-up runs (Lambda runs the unzipped bootstrap).
for f in api inbound worker events; do
    (cd "$target/lambda/$f" && python3 -c "import zipfile; zipfile.ZipFile('bootstrap.zip').extractall('.')" && chmod +x bootstrap)
done

python="$(bash "$root/tests/aws/moto.sh" install)"
coproc MOTO { exec "$python" "$root/tests/aws/serve.py"; }
read -r line <&"${MOTO[0]}"
port="${line#listening }"
"$python" "$here/start_time.py" "http://127.0.0.1:$port" "$target/lambda" "$runs"
exec {MOTO[1]}>&-
wait "$MOTO_PID" 2>/dev/null || true
