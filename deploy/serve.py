"""make serve: the production stack on this machine, in the foreground until
Ctrl-C. nginx (deploy/nginx.conf, filled in) listens on 127.0.0.1:$PORT,
buffers each request and response and serves the static files; gunicorn, with
the production settings, serves the site on a Unix socket that only nginx
reaches.

Reads PORT, DATABASE_URL (the Makefile's default: this machine's PostgreSQL,
database coop_site), REDIS_URL
(redis://127.0.0.1:6379/0 when unset; empty for none), FORWARDED_ALLOW_IPS
(load balancers in front of nginx; none when unset) and DJANGO_SECRET_KEY (made
once and kept in .serve/secret_key when unset). The socket, pid files, nginx's
configuration, temporary files and logs go in .serve/<port>/.

`serve.py --create-database` makes DATABASE_URL's PostgreSQL database when it
is missing, so that migrate can fill it."""

import grp
import http.client
import ipaddress
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import dj_database_url
import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from coop_site.settings.base import STATIC_ROOT  # noqa: E402

RUNTIME = ROOT / ".serve"
GUNICORN = Path(sys.executable).with_name("gunicorn")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# What a Redis that only caches pages should be given when it has no limit:
# past it, the least recently used keys make room instead of writes failing.
REDIS_MAXMEMORY = "256mb"
REDIS_POLICY = "allkeys-lru"
# An AF_UNIX path holds at most 107 bytes on Linux.
SOCKET_PATH_LIMIT = 107

stopping = threading.Event()


class ServeError(Exception):
    """Something make serve cannot go on with, said in words."""


def main():
    if sys.argv[1:] == ["--create-database"]:
        return create_database()
    sys.stdout.reconfigure(line_buffering=True)  # in order with gunicorn's lines, in a terminal or a file
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), lambda number, frame: stopping.set())
    try:
        return serve()
    except ServeError as error:
        print(f"make serve: {error}", file=sys.stderr)
        return 1


def create_database():
    """The PostgreSQL database DATABASE_URL names, made when missing (another
    engine, or one that exists, is left as it is)."""
    settings = dj_database_url.parse(os.environ["DATABASE_URL"])
    if not settings["ENGINE"].endswith("postgresql"):
        return 0
    server = {key.lower(): settings[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if settings.get(key)}
    name = settings["NAME"]
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **server) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"make serve: made the PostgreSQL database {name}.")
    except psycopg.Error as error:
        print(f"make serve: could not reach PostgreSQL to make the database {name}: {error}".strip(),
              file=sys.stderr)
        return 1
    return 0


def serve():
    port = listening_port(os.environ.get("PORT", "8000"))
    balancers = balancer_networks(os.environ.get("FORWARDED_ALLOW_IPS", ""))
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    nginx = find_nginx()
    run = RUNTIME / str(port)
    worker_user = nginx_worker_user()
    prepare_runtime_folder(run, worker_user)
    refuse_a_taken_port(port)
    socket_path = run / "gunicorn.sock"
    if len(str(socket_path)) > SOCKET_PATH_LIMIT:
        raise ServeError(f"{socket_path} is too long for a Unix socket; use a checkout with a shorter path.")

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coop_site.settings.production",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or kept_secret_key(),
        # Plain HTTP on this machine: no redirect to an HTTPS that is not there.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": redis_url,
        "FORWARDED_ALLOW_IPS": ",".join(balancers),
    }
    if redis_url:
        limit_redis_memory(redis_url)
    else:
        print("make serve: no REDIS_URL: each gunicorn worker caches pages in its own memory.")

    (run / "site.conf").write_text(site_configuration(socket_path, port, balancers))
    (run / "nginx.conf").write_text(main_configuration(run, nginx, worker_user))
    # What nginx sends while gunicorn does not answer, as a release writes it.
    written = subprocess.run(
        [sys.executable, "manage.py", "write_unavailable_page", str(run / "unavailable.html")],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )
    if written.returncode:
        raise ServeError(f"could not write the unavailable page:\n{written.stderr}")

    gunicorn = subprocess.Popen(
        [GUNICORN, "--config", "gunicorn.conf.py", "--bind", f"unix:{socket_path}",
         "--pid", str(run / "gunicorn.pid"), "--no-control-socket"],
        cwd=ROOT, env=environment, process_group=0,
    )
    # Each in a process group of its own: Ctrl-C reaches this script alone,
    # which stops nginx first (no new requests), then gunicorn, each gracefully.
    processes = {"gunicorn": gunicorn}
    try:
        wait_until(lambda: answers_on_socket(socket_path), processes, 60, "gunicorn did not answer on its socket")
        processes["nginx"] = subprocess.Popen(
            [nginx, "-p", str(run), "-c", str(run / "nginx.conf"), "-e", str(run / "nginx-error.log")],
            cwd=ROOT, process_group=0,
        )
        wait_until(lambda: answers_on_port(port), processes, 20, f"nginx did not answer on 127.0.0.1:{port}")
        if not stopping.is_set():
            print(f"make serve: http://127.0.0.1:{port}/ — nginx, then gunicorn on {relative(socket_path)}, "
                  f"with the production settings. nginx's logs: {relative(run)}/nginx-*.log. Ctrl-C stops both.")
        while not stopping.wait(0.5):
            ended = [name for name, process in processes.items() if process.poll() is not None]
            if ended:
                raise ServeError(f"{' and '.join(ended)} stopped by itself; stopping the rest.")
    finally:
        stop(processes)
    print("make serve: stopped.")
    return 0


def listening_port(value):
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ServeError(f"PORT={value!r} is not a port number (1 to 65535).")
    return int(value)


def refuse_a_taken_port(port):
    """Found out now rather than after gunicorn's workers have booted."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise ServeError(f"127.0.0.1:{port} is taken ({error.strerror}); choose another PORT.") from None


def balancer_networks(value):
    """FORWARDED_ALLOW_IPS as nginx takes it: addresses or networks, "*" for any."""
    networks = []
    for entry in (item.strip() for item in value.split(",")):
        if entry == "*":
            networks += ["0.0.0.0/0", "::/0"]
        elif entry:
            try:
                networks.append(str(ipaddress.ip_network(entry, strict=False)))
            except ValueError:
                raise ServeError(f"FORWARDED_ALLOW_IPS: {entry!r} is not an address or a network.") from None
    return networks


def find_nginx():
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise ServeError("nginx is not installed (apt-get install nginx).")
    return found


def nginx_worker_user():
    """As root, nginx's workers would run as nobody, who may not reach a
    checkout under a private home folder: they run as the checkout's owner."""
    if os.geteuid() != 0:
        return None
    try:
        owner = pwd.getpwuid(ROOT.stat().st_uid)
        return owner.pw_name, grp.getgrgid(owner.pw_gid).gr_name
    except KeyError:
        return "root", "root"


def prepare_runtime_folder(run, worker_user):
    """Only this user (and nginx's workers) may enter: the socket's peer is
    trusted with the visitor's address."""
    run.mkdir(parents=True, exist_ok=True)
    run.chmod(0o700)
    if worker_user:
        os.chown(run, pwd.getpwnam(worker_user[0]).pw_uid, grp.getgrnam(worker_user[1]).gr_gid)
    for name in ("nginx", "gunicorn"):
        pid = read_pid(run / f"{name}.pid")
        if pid and process_runs(pid, run):
            raise ServeError(f"make serve already runs on this port ({name}, process {pid}); stop it first.")


def read_pid(path):
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def process_runs(pid, run):
    """Whether process pid runs, and with this runtime folder on its command line."""
    try:
        return str(run) in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False


def kept_secret_key():
    """One key for the checkout, so that sessions outlive a restart. Written
    whole under another name first: a second make serve starting at the same
    moment reads either none or all of it, and keeps the first one's."""
    path = RUNTIME / "secret_key"
    if not path.exists():
        RUNTIME.mkdir(exist_ok=True)
        draft = path.with_name(f"secret_key.{os.getpid()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(60))
        try:
            os.link(draft, path)
            print(f"make serve: made a secret key for this checkout, kept in {relative(path)}.")
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def limit_redis_memory(url):
    """A Redis without maxmemory grows with every page cached; give it a limit
    and have it evict the least recently used keys. Nothing is changed on a
    server that has its own limit, nor kept after the server restarts."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    where = redis_location(client)
    try:
        maxmemory = int(client.config_get("maxmemory")["maxmemory"])
        policy = client.config_get("maxmemory-policy")["maxmemory-policy"]
        changes = []
        if maxmemory == 0:
            client.config_set("maxmemory", REDIS_MAXMEMORY)
            changes.append(f"maxmemory {REDIS_MAXMEMORY}")
        if policy == "noeviction":
            client.config_set("maxmemory-policy", REDIS_POLICY)
            changes.append(f"maxmemory-policy {REDIS_POLICY}")
    except redis.ConnectionError as error:
        print(f"make serve: Redis at {where} does not answer ({error}); the site caches pages in each "
              "worker's memory until it does.")
        return
    except redis.ResponseError as error:
        print(f"make serve: could not read or set Redis's memory limit at {where} ({error}); "
              f"give it maxmemory and maxmemory-policy {REDIS_POLICY} in redis.conf.")
        return
    if changes:
        print(f"make serve: Redis at {where} had {'no memory limit' if maxmemory == 0 else 'no eviction'}; "
              f"set {' and '.join(changes)} (CONFIG SET: until Redis restarts; redis.conf keeps it).")
    else:
        print(f"make serve: Redis at {where}: maxmemory {maxmemory} bytes, maxmemory-policy {policy}.")


def redis_location(client):
    """Where the server is, without any password the URL holds."""
    options = client.connection_pool.connection_kwargs
    if "path" in options:
        return f"{options['path']} (database {options.get('db', 0)})"
    return f"{options.get('host')}:{options.get('port')} (database {options.get('db', 0)})"


def site_configuration(socket_path, port, balancers):
    """deploy/nginx.conf with its placeholders filled in."""
    lines = []
    for line in (ROOT / "deploy" / "nginx.conf").read_text().splitlines():
        if line.lstrip().startswith("#"):
            lines.append(line)
        elif "@BALANCER@" in line:
            lines += [line.replace("@BALANCER@", network) for network in balancers]
        else:
            lines.append(line.replace("@LISTEN@", f"127.0.0.1:{port}").replace("@SOCKET@", str(socket_path))
                         .replace("@STATIC_ROOT@", str(STATIC_ROOT))
                         .replace("@UNAVAILABLE_PAGE@", str(socket_path.with_name("unavailable.html"))))
    text = "\n".join(lines) + "\n"
    left = set(re.findall(r"^[^#\n]*(@[A-Z_]+@)", text, re.M))
    if left:
        raise ServeError(f"deploy/nginx.conf has a placeholder make serve does not fill in: {', '.join(sorted(left))}")
    return text


def main_configuration(run, nginx, worker_user):
    """The rest of what nginx needs, every path in the runtime folder, so that
    it runs without root and beside any other nginx."""
    user = f"user {worker_user[0]} {worker_user[1]};\n" if worker_user else ""
    temporary = "\n".join(f"    {kind}_temp_path {run}/{kind}_temp;"
                          for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# Written by make serve for this run; the site's part is site.conf, from deploy/nginx.conf.
daemon off;
{user}worker_processes auto;
pid {run}/nginx.pid;
# Connections still open on Ctrl-C are closed after this long.
worker_shutdown_timeout 5s;

events {{
    worker_connections 1024;
}}

http {{
    include {mime_types(nginx)};
    default_type application/octet-stream;
    sendfile on;
    access_log {run}/nginx-access.log;
{temporary}
    include {run}/site.conf;
}}
"""


def mime_types(nginx):
    """The mime.types beside the nginx.conf this nginx was built to read."""
    built = subprocess.run([nginx, "-V"], capture_output=True, text=True).stderr
    found = re.search(r"--conf-path=(\S+)", built)
    return Path(found.group(1) if found else "/etc/nginx/nginx.conf").with_name("mime.types")


def answers_on_socket(path):
    connection = UnixHTTPConnection(str(path))
    return responds(connection)


def answers_on_port(port):
    return responds(http.client.HTTPConnection("127.0.0.1", port, timeout=5))


def responds(connection):
    try:
        connection.request("GET", "/healthz/live", headers={"Host": "127.0.0.1"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("127.0.0.1", timeout=5)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def wait_until(condition, processes, seconds, failure):
    for _ in range(int(seconds / 0.2)):
        if stopping.is_set() or condition():
            return
        ended = [name for name, process in processes.items() if process.poll() is not None]
        if ended:
            raise ServeError(f"{' and '.join(ended)} stopped before answering; see the lines above.")
        stopping.wait(0.2)
    raise ServeError(f"{failure} within {seconds} s.")


def stop(processes):
    """nginx first, finishing the requests it has (SIGQUIT), then gunicorn
    (SIGTERM: its workers finish theirs)."""
    for name, stop_signal in (("nginx", signal.SIGQUIT), ("gunicorn", signal.SIGTERM)):
        process = processes.get(name)
        if process is None or process.poll() is not None:
            continue
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"make serve: {name} did not stop within 30 s; killing it.", file=sys.stderr)
            process.kill()
            process.wait()


def relative(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


if __name__ == "__main__":
    sys.exit(main())
