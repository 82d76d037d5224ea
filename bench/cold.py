"""Prints, as JSON, how long each address takes with an empty cache (ms, in one process)."""

import json
import sys
import time

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

client = Client()
client.get("/healthz")
timings = {}
for address in sys.argv[1:]:
    cache.clear()
    started = time.perf_counter()
    client.get(address)
    timings[address] = (time.perf_counter() - started) * 1000
print(json.dumps(timings))
