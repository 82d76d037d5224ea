"""A database outage against real processes: gunicorn's workers reach
PostgreSQL through a relay that the test cuts and restores, as a failing
network or a database fail-over would."""

import os
import socket
import threading
import time
import unittest
from urllib.parse import urlsplit, urlunsplit

from django.test import SimpleTestCase

from tests.html import PERU_PAGE
from tests.serving import Site

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


class Relay:
    """A TCP relay to ``target`` on a port of its own; ``cut()`` drops every
    connection and refuses new ones until ``restore()``."""

    def __init__(self, target):
        self.target = target
        self.listener = None
        self.connections = []
        self.lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def restore(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self.connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@unittest.skipUnless(ON_POSTGRESQL, "the outage is of a PostgreSQL server; the suite runs on it in CI's second pass")
class DatabaseOutageTests(SimpleTestCase):
    def setUp(self):
        self.site = Site(workers=2)
        self.addCleanup(self.site.stop)
        url = urlsplit(self.site.database_url)
        self.relay = Relay((url.hostname, url.port or 5432))
        self.relay.restore()
        self.addCleanup(self.relay.cut)
        relayed = url._replace(netloc=f"{url.username or 'postgres'}@127.0.0.1:{self.relay.port}")
        self.site.environment["DATABASE_URL"] = urlunsplit(relayed)
        self.site.start()
        (self.visitor,) = self.site.browsers()

    def statuses(self, addresses):
        return {address: self.visitor.get(address) for address in addresses}

    def test_an_outage_is_a_503_to_retry_and_the_site_comes_back_by_itself(self):
        pages = (PERU_PAGE, "/activities/", "/activities/feed/", "/partners/", "/healthz")
        self.assertEqual({address: r.status for address, r in self.statuses(pages).items()},
                         dict.fromkeys(pages, 200))

        self.relay.cut()
        for _ in range(3):  # connections kept open break first, then new ones are refused
            for address, response in self.statuses(pages).items():
                self.assertEqual(response.status, 503, address)
                if address != "/healthz":
                    self.assertEqual(response.headers["Retry-After"], "30", address)
                    self.assertIn("This page is temporarily unavailable", response.text, address)
                    self.assertIn("An official website of the United States government", response.text)
                    self.assertNotIn("Traceback", response.text)
        self.assertEqual(self.visitor.get("/healthz/live").status, 200, "the process itself lives")

        self.relay.restore()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.visitor.get(PERU_PAGE).status != 200:
            time.sleep(0.2)
        self.assertEqual({address: r.status for address, r in self.statuses(pages).items()},
                         dict.fromkeys(pages, 200))

    def test_connections_the_database_dropped_are_replaced_unseen(self):
        # A fail-over or a restart of the database closes the workers' kept
        # connections: the next request on each finds out and connects again.
        pages = (PERU_PAGE, "/activities/", "/partners/", "/healthz")
        for _ in range(2):
            self.assertEqual({address: r.status for address, r in self.statuses(pages).items()},
                             dict.fromkeys(pages, 200))
        self.relay.cut()
        self.relay.restore()
        for _ in range(3):
            self.assertEqual({address: r.status for address, r in self.statuses(pages).items()},
                             dict.fromkeys(pages, 200))
