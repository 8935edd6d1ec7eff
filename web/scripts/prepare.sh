#!/usr/bin/env bash
# Makes the dashboard ready for its tests on a fresh machine: Debian's chromium (browser
# downloads do not work here; playwright-core drives the system one), the npm packages
# pinned in package-lock.json, and a built app in target/web-test/dist (or the folder given as
# the first argument). The first two are skipped when done.
set -euo pipefail
web="$(cd "$(dirname "$0")/.." && pwd)"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# npm ci only when node_modules does not match the lock file.
if ! cmp -s "$web/package-lock.json" "$web/node_modules/.rollcall-lock"; then
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$web/package-lock.json" "$web/node_modules/.rollcall-lock"
fi

# The tests' own build, given to `rollcall serve --web-dir`: web/dist stays the user's (the
# binary embeds it), so a test run never changes what the next cargo build embeds.
out="${1:-$web/../target/web-test/dist}"
(cd "$web" && npm run --silent build -- --outDir "$out" --emptyOutDir >/dev/null)
