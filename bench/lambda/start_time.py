"""Start-up time of the Lambda functions, measured locally: each `bootstrap` is started as
Lambda starts it (a fresh process, AWS_LAMBDA_RUNTIME_API pointing at a Runtime API), here a
small Runtime API server of our own on loopback. Measured per start:

  ready  exec -> the function's first `GET /runtime/invocation/next` (initialised: config read,
         SDK configured, token secret fetched from SSM -- moto here)
  first  exec -> the response to its first event posted back

usage: start_time.py <moto endpoint> <target/lambda dir> [runs]
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

EVENTS = {
    # API Gateway HTTP API, payload 2.0: a static asset, no store access.
    "api": {
        "version": "2.0", "routeKey": "$default", "rawPath": "/assets/site.css",
        "rawQueryString": "", "headers": {"host": "rsvp.example.org"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "rsvp.example.org",
            "domainPrefix": "rsvp", "requestId": "r", "routeKey": "$default",
            "stage": "$default", "time": "23/Nov/2026:10:00:00 +0000", "timeEpoch": 0,
            "http": {"method": "GET", "path": "/assets/site.css", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "bench"},
        },
        "isBase64Encoded": False,
    },
    # SQS batches with nothing in them: the handler runs, touches nothing.
    "inbound": {"Records": []},
    "worker": {"Records": []},
    "events": {"Records": []},
}


class Runtime:
    """One function start: serves its first event, records when things happen."""

    def __init__(self, event):
        self.event = json.dumps(event).encode()
        self.ready = None
        self.done = None
        self.served = False
        self.finished = threading.Event()

    def handler(runtime):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.endswith("/runtime/invocation/next"):
                    if runtime.ready is None:
                        runtime.ready = time.perf_counter()
                    if runtime.served:
                        runtime.finished.wait(10)  # hold the second poll until we stop it
                        return
                    runtime.served = True
                    self.send_response(200)
                    self.send_header("Lambda-Runtime-Aws-Request-Id", "bench-1")
                    self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000))
                    self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                     "arn:aws:lambda:us-east-1:123456789012:function:bench")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(runtime.event)))
                    self.end_headers()
                    self.wfile.write(runtime.event)
                else:
                    self.send_response(404)
                    self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.path.endswith("/response"):
                    runtime.done = time.perf_counter()
                    runtime.finished.set()
                elif "/error" in self.path:
                    runtime.finished.set()
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


def start_once(binary, name, env):
    runtime = Runtime(EVENTS[name])
    server = ThreadingHTTPServer(("127.0.0.1", 0), runtime.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    started = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    runtime.finished.wait(20)
    process.kill()
    _, stderr = process.communicate()
    server.shutdown()
    if runtime.ready is None or runtime.done is None:
        sys.exit(f"{name}: no answer to its first event; stderr:\n{stderr.decode(errors='replace')}")
    return (runtime.ready - started) * 1000, (runtime.done - started) * 1000


def main():
    endpoint, lambda_dir = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    credentials = dict(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    boto3.client("ssm", endpoint_url=endpoint, **credentials).put_parameter(
        Name="/rollcall-bench/token-secret", Type="SecureString", Overwrite=True,
        Value="YmVuY2htYXJrIHNlY3JldCBmb3IgdGhlIGVtdWxhdG9yIG9ubHk=")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "1", "AWS_LAMBDA_LOG_FORMAT": "JSON", "RUST_LOG": "warn",
        "ROLLCALL_DOMAIN": "rollcall.example", "ROLLCALL_BASE_URL": "https://rsvp.example.org",
        "ROLLCALL_TABLE": "rollcall-bench", "ROLLCALL_SENDER": "rollcall@rollcall.example",
        "ROLLCALL_JOBS_QUEUE_URL": f"{endpoint}/123456789012/jobs",
        "ROLLCALL_RAW_MAIL_BUCKET": "raw-mail", "ROLLCALL_CONFIGURATION_SET": "events",
        "ROLLCALL_SECRET_PARAMETER": "/rollcall-bench/token-secret", "ROLLCALL_SEND_RATE": "1",
    }
    print(f"{'function':10} {'ready ms (median)':>18} {'first event ms (median)':>24}  runs={runs}")
    for name in ["api", "inbound", "worker", "events"]:
        binary = os.path.join(lambda_dir, name, "bootstrap")
        start_once(binary, name, env)  # warm the page cache: Lambda's image is local too
        samples = [start_once(binary, name, env) for _ in range(runs)]
        ready = statistics.median(s[0] for s in samples)
        first = statistics.median(s[1] for s in samples)
        print(f"{name:10} {ready:18.1f} {first:24.1f}")


if __name__ == "__main__":
    main()
