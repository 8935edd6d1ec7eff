"""moto's server mode for Rollcall's tests, started by `moto.sh serve`.

Listens on 127.0.0.1 and a free port (or ROLLCALL_MOTO_PORT), prints `listening <port>` on
stdout once it accepts connections, and runs until its stdin closes: the test process that
started it holds the other end of that pipe, so moto ends with it however it ends (even
killed), and a stray server never keeps CI waiting.

One difference from `moto_server`: requests are handled one at a time. moto's backends have no
locking, so two concurrent TransactWriteItems could interleave (and a cancelled one restores a
copy of the table taken before the other ran); DynamoDB isolates every request, and tests of
concurrent commits need the emulator to do the same.
"""

import logging
import os
import sys
import threading

from werkzeug.serving import make_server

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def main() -> None:
    host = os.environ.get("ROLLCALL_MOTO_HOST", "127.0.0.1")
    port = int(os.environ.get("ROLLCALL_MOTO_PORT", "0"))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            return list(app(environ, start_response))

    server = make_server(
        host, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler
    )
    port = server.server_address[1]
    # moto builds URLs that point back at itself (SQS queue URLs and the like) from this.
    os.environ["MOTO_PORT"] = str(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    print(f"listening {port}", flush=True)
    # Nothing else goes to stdout: nobody reads it, and a full pipe would block the server.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    sys.stdin.buffer.read()  # returns at EOF: the test process is gone
    os._exit(0)


if __name__ == "__main__":
    main()
