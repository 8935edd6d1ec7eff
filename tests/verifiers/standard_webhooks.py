#!/usr/bin/env python3
"""Verifies one webhook delivery with the Standard Webhooks reference library (PyPI
`standardwebhooks`), as a receiver would.

usage: standard_webhooks.py SECRET < delivery.json
delivery.json: {"headers": {"webhook-id": ..., "webhook-timestamp": ..., "webhook-signature": ...},
                "body": "<the exact body>"}
Prints "verified" and exits 0, or prints the library's error and exits 1.
"""
import json
import sys

from standardwebhooks.webhooks import Webhook


def main():
    secret = sys.argv[1]
    delivery = json.load(sys.stdin)
    try:
        Webhook(secret).verify(delivery["body"], delivery["headers"])
    except Exception as error:  # the library raises WebhookVerificationError and others
        print("refused: %s: %s" % (type(error).__name__, error))
        return 1
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
