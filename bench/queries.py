"""Prints, as JSON, the SQL queries each page runs (page cache off)."""

import json
import sys

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

client = Client()
counts = {}
for address in sys.argv[1:]:
    client.get(address)  # warm the content-type and other per-process caches
    with CaptureQueriesContext(connection) as captured:
        status = client.get(address).status_code
    counts[address] = {"status": status, "queries": len(captured)}
print(json.dumps(counts))
