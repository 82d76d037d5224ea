"""The site as it is deployed, for tests that need real processes: its own
database (SQLite in a temporary folder, or a fresh PostgreSQL database when the
suite runs on PostgreSQL), set up with manage.py, served by gunicorn."""

import contextlib
import http.client
import http.cookies
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import dj_database_url
import psycopg
from django.conf import settings

GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Browser:
    """One visitor: keeps its cookies, sends the CSRF token as a form does.
    ``source`` is the address it connects from (any of 127.0.0.0/8 is this
    machine), ``headers`` what it adds to each request."""

    def __init__(self, port, host="127.0.0.1", *, source=None, headers=None):
        self.port, self.host, self.cookies = port, host, http.cookies.SimpleCookie()
        self.source, self.headers = source, headers or {}

    def request(self, method, path, data=None):
        headers = {"Host": self.host, **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Referer": f"http://{self.host}{path}"})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                                source_address=(self.source, 0) if self.source else None)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for value in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(value)
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        """A form's submission, with the CSRF token of the cookie it was given."""
        token = self.cookies["csrftoken"].value if "csrftoken" in self.cookies else ""
        return self.request("POST", path, {"csrfmiddlewaretoken": token, **data})

    def follow(self, response):
        return self.get(urlsplit(response.headers["Location"]).path)

    def sign_in(self, username, password):
        self.get("/admin/login/")
        response = self.post("/admin/login/?next=/admin/", {"username": username, "password": password})
        assert response.status == 302, f"could not sign in as {username}: {response.status}"


class Site:
    """A database of its own, migrated, with the archived page loaded, and
    ``hosts`` gunicorn servers of ``workers`` workers each on it."""

    def __init__(self, *, hosts=1, workers=2, **environment):
        self.folder = tempfile.TemporaryDirectory()
        self.database_url, self.drop_database = self._database()
        self.environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))},
            "DJANGO_SETTINGS_MODULE": "coop_site.settings.dev",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": self.database_url,
            "DJANGO_LOG_LEVEL": "WARNING",
            **environment,
        }
        self.hosts, self.workers, self.servers, self.ports = hosts, workers, [], []

    def _database(self):
        """The suite's database engine, in a database of the site's own."""
        suite = dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://"))
        if suite["ENGINE"].endswith("postgresql"):
            name = f"coop_site_{uuid.uuid4().hex[:12]}"
            server = {k.lower(): suite[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if suite.get(k)}
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')

            def drop():
                with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
            return url, drop
        return f"sqlite:///{Path(self.folder.name) / 'site.sqlite3'}", lambda: None

    def manage(self, *arguments, stdin=None):
        """Runs manage.py as an operator would; returns its output, fails with its errors."""
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=settings.BASE_DIR, env=self.environment,
            input=stdin, capture_output=True, text=True, timeout=300,
        )
        if result.returncode:
            raise AssertionError(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def shell(self, code):
        """Python run in `manage.py shell`, as a script or an operator would."""
        return self.manage("shell", "--no-imports", "-c", code)

    def start(self):
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("load_initial_data")
        for _ in range(self.hosts):
            port = free_port()
            log = open(Path(self.folder.name) / f"gunicorn-{port}.log", "w")
            self.servers.append((subprocess.Popen(
                [GUNICORN, "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(self.workers), "--no-control-socket"],
                cwd=settings.BASE_DIR, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
            ), log))
            self.ports.append(port)
        for port in self.ports:
            self._wait_until_up(port)
        return self

    def _wait_until_up(self, port):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if Browser(port).get("/healthz").status == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer on port {port}: {self.log()}")

    def log(self):
        return "".join((Path(self.folder.name) / f"gunicorn-{port}.log").read_text() for port in self.ports)

    def browsers(self):
        """A visitor on each host."""
        return [Browser(port) for port in self.ports]

    def stop(self):
        for process, log in self.servers:
            process.terminate()
        for process, log in self.servers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        self.drop_database()
        self.folder.cleanup()


def fixture_file(folder, records):
    path = Path(folder) / f"fixture-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(records))
    return path


def form_error(html):
    """The admin's or the site's error message, for a failure's explanation."""
    found = re.search(r'class="errornote"[^>]*>(.*?)</p>|class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return " ".join(part for part in found.groups() if part) if found else ""
