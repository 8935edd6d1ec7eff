#!/usr/bin/env bash
# moto's server mode, the AWS API emulator Rollcall's AWS adapters are tested against.
#
#   tests/aws/moto.sh install   install moto (pinned in requirements.txt) if needed; print the
#                               Python interpreter that has it
#   tests/aws/moto.sh serve     install if needed, then run serve.py: moto on 127.0.0.1 and a
#                               free port, printed as `listening <port>` on stdout; it stops
#                               when its stdin closes (the test process that started it ended)
#
# Installs into a venv under the cargo target folder (`${CARGO_TARGET_DIR:-target}/moto-venv`),
# once per pinned version; concurrent callers wait for one install (flock).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="$target/moto-venv"
pinned="$(cat "$here/requirements.txt")"
stamp="$venv/installed.txt"

install() {
    mkdir -p "$target"
    exec 9>"$target/moto-venv.lock"
    flock 9
    if [ "$(cat "$stamp" 2>/dev/null)" != "$pinned" ]; then
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
        echo "$pinned" >"$stamp"
    fi
    flock -u 9
    exec 9>&-
}

case "${1:-}" in
install)
    install
    echo "$venv/bin/python"
    ;;
serve)
    install
    exec "$venv/bin/python" "$here/serve.py"
    ;;
*)
    echo "usage: $0 install|serve" >&2
    exit 2
    ;;
esac
