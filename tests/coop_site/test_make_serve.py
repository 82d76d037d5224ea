"""`make serve`: nginx in front of gunicorn on a Unix socket, as a deployment
runs them, started once for the class on a free port, with a database of its
own and a load balancer configured at 127.0.0.9. Every other address of
127.0.0.0/8 is a visitor connecting to nginx directly, as with no balancer."""

import importlib.util
import io
import json
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import redis
from django.conf import settings
from django.core.management import call_command
from django.test import SimpleTestCase

from tests.contact.test_contact import VALID
from tests.html import PERU_PAGE
from tests.serving import Browser, Site, free_port

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
BALANCER = "127.0.0.9"
SLOW_CLIENTS = 50
SLOW_SECONDS = 20
# Seconds within which every other request is answered while the slow clients trickle.
ANSWER_WITHIN = 1.0


class SlowClients(threading.Thread):
    """Clients that send a request's header a line a second and never finish
    it; notes when the server drops each."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.connected, self.dropped_after = port, 0, []

    def run(self):
        start = time.monotonic()
        connections = []
        for _ in range(SLOW_CLIENTS):
            connection = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            connection.sendall(b"GET /healthz/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            connections.append(connection)
        self.connected = len(connections)
        line = 0
        while connections and time.monotonic() - start < SLOW_SECONDS:
            line += 1
            for connection in list(connections):
                try:
                    if select.select([connection], [], [], 0)[0]:
                        connection.recv(4096)
                        raise ConnectionAbortedError("the server answered or closed the connection")
                    connection.sendall(f"X-Trickle-{line}: {line}\r\n".encode())
                except OSError:
                    self.dropped_after.append(time.monotonic() - start)
                    connections.remove(connection)
                    connection.close()
            time.sleep(1)
        for connection in connections:
            connection.close()


def private_redis(folder):
    """A Redis of the test's own, on a Unix socket, with no memory limit as it
    comes: what make serve changes on it changes no shared server."""
    server = shutil.which("redis-server")
    if not server:
        return None, ""
    path = Path(folder) / "redis.sock"
    process = subprocess.Popen([server, "--port", "0", "--unixsocket", str(path), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"unix://{path}?db=0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("redis-server did not start")


def json_line(line):
    """One of gunicorn's log lines; {} for make's own lines (and one being written)."""
    try:
        return json.loads(line) if line.startswith("{") else {}
    except ValueError:
        return {}


def socket_inodes(pid):
    inodes = set()
    for link in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(link)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def with_children(pid):
    children = [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat")
                if _parent(stat) == pid]
    return [pid, *children]


def _parent(stat):
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def require_nginx():
    if not NGINX:
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER_TESTS"):
            raise AssertionError("make serve needs nginx: apt-get install -y nginx (.ci/run installs it)")
        raise unittest.SkipTest("no nginx (apt-get install -y nginx)")


def deploy_serve():
    """deploy/serve.py as a module: its nginx configuration, as make serve writes it."""
    spec = importlib.util.spec_from_file_location("deploy_serve", settings.BASE_DIR / "deploy" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class UnavailablePageTests(SimpleTestCase):
    """nginx as make serve configures it, with gunicorn not answering (a
    restart, a crash): visitors get the site's own page, a 503 to retry."""

    def test_gunicorn_not_answering_is_the_sites_unavailable_page(self):
        require_nginx()
        serve = deploy_serve()
        with tempfile.TemporaryDirectory() as folder:
            run, port = Path(folder) / "run", free_port()
            worker_user = serve.nginx_worker_user()
            serve.prepare_runtime_folder(run, worker_user)
            (run / "site.conf").write_text(serve.site_configuration(run / "gunicorn.sock", port, []))
            (run / "nginx.conf").write_text(serve.main_configuration(run, NGINX, worker_user))
            call_command("write_unavailable_page", str(run / "unavailable.html"), stdout=io.StringIO())
            nginx = subprocess.Popen([NGINX, "-p", str(run), "-c", str(run / "nginx.conf"),
                                      "-e", str(run / "nginx-error.log")])
            try:
                for _ in range(100):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        time.sleep(0.05)
                for address in (PERU_PAGE, "/activities/", "/healthz"):
                    response = Browser(port).get(address)
                    self.assertEqual((response.status, response.headers["Retry-After"]), (503, "30"), address)
                    self.assertIn("This page is temporarily unavailable", response.text)
                    self.assertIn("An official website of the United States government", response.text)
                    self.assertIn("frame-ancestors 'none'", response.headers["Content-Security-Policy"])
                    self.assertEqual(response.headers["X-Frame-Options"], "DENY")
                self.assertEqual(Browser(port).get("/.unavailable.html").status, 404, "only nginx sends it")
            finally:
                nginx.send_signal(signal.SIGQUIT)
                nginx.wait(timeout=20)


class MakeServeTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_nginx()
        cls.site = Site(CONTACT_RATE_LIMIT="2", AXES_FAILURE_LIMIT="2", DJANGO_LOG_LEVEL="INFO")
        cls.addClassCleanup(cls.site.stop)
        folder = Path(cls.site.folder.name)
        cls.redis, cls.redis_url = private_redis(folder)
        if cls.redis:
            cls.addClassCleanup(cls.redis.wait)
            cls.addClassCleanup(cls.redis.kill)
        cls.port = free_port()
        cls.runtime = settings.BASE_DIR / ".serve" / str(cls.port)
        cls.output_path = folder / "make-serve.log"
        cls.output = open(cls.output_path, "w")
        cls.make = subprocess.Popen(
            ["make", "serve", f"PORT={cls.port}"], cwd=settings.BASE_DIR,
            env={**cls.site.environment, "REDIS_URL": cls.redis_url, "FORWARDED_ALLOW_IPS": BALANCER},
            stdout=cls.output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        cls.addClassCleanup(cls.stop_serving)
        deadline = time.monotonic() + 300
        while not cls.answers():
            if cls.make.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"make serve did not start:\n{cls.log()}")
            time.sleep(0.2)

    @classmethod
    def answers(cls):
        try:
            return Browser(cls.port).get("/healthz/live").status == 200
        except OSError:
            return False

    @classmethod
    def log(cls):
        return cls.output_path.read_text()

    @classmethod
    def stop_serving(cls):
        """Ctrl-C: SIGINT to make and everything in its process group. nginx
        and gunicorn must be gone after it, and their socket too."""
        servers = {name: int((cls.runtime / f"{name}.pid").read_text()) for name in ("nginx", "gunicorn")
                   if (cls.runtime / f"{name}.pid").exists()}
        if cls.make.poll() is None:
            os.killpg(cls.make.pid, signal.SIGINT)
            try:
                cls.make.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(cls.make.pid, signal.SIGKILL)
                cls.make.wait()
        left = [name for name, pid in servers.items() if Path(f"/proc/{pid}").exists()]
        for name in left:
            os.kill(servers[name], signal.SIGKILL)
        cls.output.close()
        socket_left = (cls.runtime / "gunicorn.sock").exists()
        shutil.rmtree(cls.runtime, ignore_errors=True)
        if left or socket_left or (servers and "make serve: stopped." not in cls.log()):
            raise AssertionError(f"after Ctrl-C, still running: {left}, socket left: {socket_left}\n{cls.log()}")

    def access_lines(self, method, path, at_least=0):
        """gunicorn's access log lines for a request, as make serve printed them
        (gunicorn writes each just after its response: wait for ``at_least``)."""
        deadline = time.monotonic() + 5
        while True:
            found = [line for line in map(json_line, self.log().splitlines())
                     if line.get("logger") == "gunicorn.access" and (line["method"], line["path"]) == (method, path)]
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def test_slow_clients_hold_up_no_one(self):
        slow = SlowClients(self.port)
        slow.start()
        pages = {"/healthz/live": "ok", PERU_PAGE: "EPA Collaboration with Peru"}
        seconds, wrong = {path: [] for path in pages}, []
        start = time.monotonic()
        while time.monotonic() - start < SLOW_SECONDS:
            for path, text in pages.items():
                before = time.monotonic()
                response = Browser(self.port).get(path)
                seconds[path].append(time.monotonic() - before)
                if response.status != 200 or text not in response.text:
                    wrong.append((path, response.status))
            time.sleep(0.2)
        slow.join()
        figures = {path: f"{len(times)} requests, median {statistics.median(times):.3f} s, max {max(times):.3f} s"
                   for path, times in seconds.items()}
        self.assertEqual(slow.connected, SLOW_CLIENTS)
        self.assertEqual(wrong, [])
        for path, times in seconds.items():
            self.assertLess(max(times), ANSWER_WITHIN, f"{path} waited behind the slow clients: {figures}")
        # nginx drops a client whose header is not whole after client_header_timeout (10 s).
        self.assertEqual(len(slow.dropped_after), SLOW_CLIENTS, "slow clients still connected after 20 s")
        self.assertEqual(Browser(self.port).get("/healthz/live").status, 200)
        self.assertEqual(Browser(self.port).get(PERU_PAGE).status, 200)

    def test_static_files_come_from_nginx_cached_for_a_year_and_compressed(self):
        hashed = json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())["paths"]["css/site.css"]
        response = Browser(self.port, headers={"Accept-Encoding": "gzip"}).get(f"/static/{hashed}")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers["Cache-Control"], "public, max-age=31536000, immutable")
        self.assertEqual(response.headers["Content-Encoding"], "gzip")
        self.assertEqual(response.headers["Content-Type"], "text/css")
        self.assertEqual(response.body, (settings.STATIC_ROOT / f"{hashed}.gz").read_bytes())
        # A name without a hash may change with the next release.
        response = Browser(self.port).get("/static/css/site.css")
        self.assertEqual(response.headers["Cache-Control"], "public, max-age=60")
        self.assertEqual(self.access_lines("GET", f"/static/{hashed}"), [], "gunicorn served a static file")

    def test_gunicorn_listens_on_its_socket_only(self):
        gunicorn = int((self.runtime / "gunicorn.pid").read_text())
        inodes = set().union(*(socket_inodes(pid) for pid in with_children(gunicorn)))
        listening_tcp = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for row in Path(table).read_text().splitlines()[1:]:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    listening_tcp.append(fields[1])
        unix = {fields[7] for fields in (row.split() for row in Path("/proc/net/unix").read_text().splitlines()[1:])
                if len(fields) > 7 and fields[6] in inodes}
        self.assertEqual(listening_tcp, [])
        self.assertEqual(unix, {str(self.runtime / "gunicorn.sock")})

    def test_the_contact_form_counts_each_visitor_whatever_they_write_in_x_forwarded_for(self):
        def send(visitor, n, claimed):
            visitor.headers["X-Forwarded-For"] = claimed
            return visitor.post("/contact/", {**VALID, "subject": f"Message {n}"}).status

        visitor, other = Browser(self.port), Browser(self.port, source="127.0.0.2")
        visitor.get("/contact/")
        other.get("/contact/")
        self.assertEqual([send(visitor, n, f"198.51.100.{n}") for n in range(3)], [302, 302, 429])
        self.assertEqual(send(other, 3, "127.0.0.1"), 302)  # the limited visitor's address, claimed
        remotes = [line["remote"] for line in self.access_lines("POST", "/contact/", at_least=4)]
        self.assertEqual(remotes, ["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2"])

    def test_sign_in_throttling_counts_each_visitor(self):
        def sign_in(visitor, claimed):
            visitor.headers["X-Forwarded-For"] = claimed
            return visitor.post("/admin/login/?next=/admin/", {"username": "editor", "password": "guess"}).status

        visitor, other = Browser(self.port, source="127.0.0.3"), Browser(self.port, source="127.0.0.4")
        visitor.get("/admin/login/")
        other.get("/admin/login/")
        # The second failure reaches AXES_FAILURE_LIMIT (2): that one is refused already.
        self.assertEqual([sign_in(visitor, f"198.51.100.{n}") for n in range(3)], [200, 429, 429])
        self.assertEqual(sign_in(other, "127.0.0.3"), 200)

    def test_a_balancer_says_who_the_visitor_is_and_that_they_came_over_https(self):
        page = "/about-this-archive/"
        balancer = Browser(self.port, source=BALANCER,
                           headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
        response = balancer.get(page)
        self.assertEqual(response.status, 200)
        self.assertIn("Strict-Transport-Security", response.headers)
        self.assertEqual(self.access_lines("GET", page, at_least=1)[-1]["remote"], "203.0.113.7")
        # A visitor who says the same is not believed.
        for n, claims in enumerate(({"X-Forwarded-Proto": "https"}, {"X-Forwarded-Ssl": "on"}), start=2):
            visitor = Browser(self.port, source="127.0.0.5", headers={"X-Forwarded-For": "203.0.113.7", **claims})
            response = visitor.get(page)
            self.assertEqual(response.status, 200)
            self.assertNotIn("Strict-Transport-Security", response.headers, claims)
            self.assertEqual(self.access_lines("GET", page, at_least=n)[-1]["remote"], "127.0.0.5")

    def test_redis_is_given_a_memory_limit_and_caches_the_pages(self):
        if not self.redis:
            self.skipTest("no redis-server to give make serve a Redis of the test's own")
        client = redis.Redis.from_url(self.redis_url)
        self.assertEqual(client.config_get("maxmemory"), {"maxmemory": str(256 * 1024 * 1024)})
        self.assertEqual(client.config_get("maxmemory-policy"), {"maxmemory-policy": "allkeys-lru"})
        self.assertIn("set maxmemory 256mb and maxmemory-policy allkeys-lru", self.log())
        Browser(self.port).get(PERU_PAGE)
        self.assertGreater(client.dbsize(), 0)
