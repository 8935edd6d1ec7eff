#!/usr/bin/env bash
# Offline checks of the AWS SAM template (infra/template.yaml); no AWS account or credentials.
#
#   tests/infra/validate.sh [TEMPLATE]     default: infra/template.yaml
#
# 1. cfn-lint TEMPLATE, for the regions where SES receives mail (the template needs it there);
# 2. sam validate --lint (SAM CLI's own run of cfn-lint after reading infra/samconfig.toml);
# 3. tests/infra/check_template.py: Rollcall's rules (timeouts vs. visibility, DLQs and their
#    alarms, queue policies, environment, table keys against crates/aws's key module).
# Exits non-zero if any of them reports anything, warnings included.
#
# Installs cfn-lint and aws-sam-cli (pinned in requirements.txt) into a venv under the cargo
# target folder (`${CARGO_TARGET_DIR:-target}/infra-venv`), once per pinned version; concurrent
# callers wait for one install (flock). That needs PyPI; the checks themselves need no network:
# `sam validate --lint` asks for no credentials, its telemetry is off, and its once-a-week
# version check is marked as done in a SAM CLI home folder of its own inside the venv.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="$target/infra-venv"
pinned="$(cat "$here/requirements.txt")"
stamp="$venv/installed.txt"
template="$(cd "$(dirname "${1:-$root/infra/template.yaml}")" && pwd)/$(basename "${1:-template.yaml}")"

mkdir -p "$target"
exec 9>"$target/infra-venv.lock"
flock 9
if [ "$(cat "$stamp" 2>/dev/null)" != "$pinned" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
    echo "$pinned" >"$stamp"
fi
flock -u 9
exec 9>&-
python="$venv/bin/python"

# No AWS configuration from the machine, and nothing for SAM CLI to look up.
sam_home="$venv/sam-home"
mkdir -p "$sam_home"
"$python" - "$sam_home/metadata.json" <<'EOF'
import json, sys, time
path = sys.argv[1]
try:
    with open(path) as f:
        data = json.load(f)
except (OSError, ValueError):
    data = {}
data.update(telemetryEnabled=False, lastVersionCheck=time.time())
with open(path, "w") as f:
    json.dump(data, f)
EOF
run() {
    env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 __SAM_CLI_APP_DIR="$sam_home" \
        "$@"
}

status=0
echo "+ cfn-lint $template"
run "$python" -c 'import sys; from cfnlint.runner import main; sys.exit(main())' \
    --regions us-east-1 us-west-2 eu-west-1 -- "$template" || status=1

echo "+ sam validate --lint --template $template --region us-east-1"
run "$python" -m samcli validate --lint --template "$template" --region us-east-1 \
    --config-file "$root/infra/samconfig.toml" || status=1

echo "+ check_template.py $template"
run "$python" "$here/check_template.py" "$template" "$root/crates/aws/src/dynamo/keys.rs" || status=1

exit "$status"
