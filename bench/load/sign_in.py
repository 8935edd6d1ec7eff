#!/usr/bin/env python3
"""Does a sign-in request tell anyone whether an address organizes events?

Times `POST /api/v1/session/link` for addresses that have an event and for addresses that
have none, interleaved, against a real `rollcall serve` on loopback. The request only queues a
job; the look-up and the mail happen later in the outbox sender, so the two medians should be
the same within noise (issue 9 §5: before, an organizer's request did the look-up and the
commit of the mail inline).

    bench/load/sign_in.py                 # ORGANIZERS=60 ROUNDS=3 (at most 3)
    SKIP_BUILD=1 bench/load/sign_in.py    # use the existing target/release/rollcall
    ROLLCALL_BIN=target/debug/rollcall bench/load/sign_in.py   # any other build

Everything listens on 127.0.0.1; the server and its temporary data folder go away on exit.
Each request comes "from" its own visitor (X-Forwarded-For with --trusted-proxies 127.0.0.0/8)
so the per-client rate limit measures nothing here; each address is asked at most ROUNDS times,
under the per-address limit.
"""

import http.client
import json
import os
import random
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORGANIZERS = int(os.environ.get("ORGANIZERS", "60"))
# At most 3: an address may ask three times in ten minutes (`RateLimits::per_address`).
ROUNDS = min(int(os.environ.get("ROUNDS", "3")), 3)
DOMAIN = "rollcall.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def invitation(n: int) -> bytes:
    """The Google example, from and organized by organizer<n>, with its own UID."""
    text = (ROOT / "examples" / "google-invite.eml").read_text()
    text = text.replace("grace@example.com", f"organizer{n}@example.com")
    text = text.replace("invites@rollcall.localhost", f"invites@{DOMAIN}")
    text = text.replace("4kq1v0q6e8r3cnf7l2m5bq9h1s@google.com", f"bench-{n}@google.com")
    return text.encode()


def wait_for(what: str, check, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            sys.exit(f"sign_in.py: timed out waiting for {what}")
        time.sleep(0.1)


def ask(http_port: int, email: str, visitor: str) -> float:
    """One sign-in request over a fresh connection; seconds until the whole answer is read."""
    body = json.dumps({"email": email})
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request(
        "POST",
        "/api/v1/session/link",
        body=body,
        headers={"Content-Type": "application/json", "X-Forwarded-For": visitor},
    )
    reply = conn.getresponse()
    reply.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if reply.status != 202:
        sys.exit(f"sign_in.py: {email} got {reply.status}")
    return elapsed


def main() -> None:
    binary = Path(os.environ.get("ROLLCALL_BIN", ROOT / "target" / "release" / "rollcall"))
    if os.environ.get("SKIP_BUILD") != "1" and "ROLLCALL_BIN" not in os.environ:
        subprocess.run(
            ["cargo", "build", "--release", "-p", "rollcall-local", "--bin", "rollcall"],
            cwd=ROOT,
            check=True,
        )
    if not binary.exists():
        sys.exit(f"sign_in.py: {binary} is missing")
    data = Path(tempfile.mkdtemp(prefix="rollcall-signin."))
    http_port, smtp_port = free_port(), free_port()
    server = subprocess.Popen(
        [
            str(binary), "serve",
            "--data-dir", str(data / "data"),
            "--http-addr", f"127.0.0.1:{http_port}",
            "--smtp-addr", f"127.0.0.1:{smtp_port}",
            "--domain", DOMAIN,
            "--trusted-proxies", "127.0.0.0/8",
        ],
        env={**os.environ, "ROLLCALL_LOG": "warn"},
    )
    try:
        def up() -> bool:
            try:
                socket.create_connection(("127.0.0.1", http_port), timeout=1).close()
                socket.create_connection(("127.0.0.1", smtp_port), timeout=1).close()
                return True
            except OSError:
                return False

        wait_for("the server", up)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            for n in range(ORGANIZERS):
                smtp.sendmail(
                    f"organizer{n}@example.com", [f"invites@{DOMAIN}"], invitation(n)
                )
        outbox = data / "data" / "outbox"
        wait_for(
            f"{ORGANIZERS} acknowledgements",
            lambda: outbox.exists() and len(list(outbox.iterdir())) >= ORGANIZERS,
        )
        before = len(list(outbox.iterdir()))

        known, unknown = [], []
        visitor = 0
        for round_ in range(ROUNDS):
            order = [(f"organizer{n}@example.com", known) for n in range(ORGANIZERS)]
            order += [(f"nobody{n}-{round_}@example.com", unknown) for n in range(ORGANIZERS)]
            random.shuffle(order)
            for email, into in order:
                visitor += 1
                address = f"10.{visitor // 65536 % 256}.{visitor // 256 % 256}.{visitor % 256}"
                into.append(ask(http_port, email, address))

        # The links leave later, from the outbox sender: count them to show the work happened.
        # (At most three live links per organizer, the acknowledgement's among them.)
        seen = {"count": -1, "since": time.monotonic()}

        def settled() -> bool:
            count = len(list(outbox.iterdir()))
            if count != seen["count"]:
                seen.update(count=count, since=time.monotonic())
            return count > before and time.monotonic() - seen["since"] > 3

        wait_for("the sign-in mails", settled)
        mails = len(list(outbox.iterdir())) - before

        def ms(values, percentile):
            return statistics.quantiles(values, n=100)[percentile - 1] * 1000

        print(f"{len(known)} requests for organizers, {len(unknown)} for unknown addresses")
        print(f"{'address':<12} {'median ms':>10} {'p90 ms':>8}")
        for name, values in (("organizer", known), ("unknown", unknown)):
            print(f"{name:<12} {ms(values, 50):>10.2f} {ms(values, 90):>8.2f}")
        print(f"sign-in mails written afterwards by the outbox sender: {mails}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        if os.environ.get("KEEP_TMP") != "1":
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
