"""make bench: the site under gunicorn (2 workers), loaded with wrk from a second process on 127.0.0.1.

For SQLite and PostgreSQL: req/s and p50/p99 latency of the Peru page uncached and
cached, a filtered listing, a small static file and the plain "ok" view; the ratios
page/static and page/ok; SQL queries per page. Then a scale run on PostgreSQL with
100,000 generated activities (listing with filters and counts, and the site search,
p50/p95) and an endurance run of 60 s at 32 connections; last, load_snapshot of a
10,000-activity fixture into an empty database. Prints figures; asserts nothing.
"""

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
POSTGRES_DATABASE = "coop_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SCALE = int(os.environ.get("BENCH_SCALE", "100000"))
SNAPSHOT_ACTIVITIES = int(os.environ.get("BENCH_SNAPSHOT_ACTIVITIES", "10000"))

PERU = "/international-cooperation/epa-collaboration-peru/"
LISTING = "/activities/2019/?theme=enforcement-and-compliance"
SCALE_LISTINGS = {
    "listing, all activities": "/activities/",
    "listing, year and theme": "/activities/2010/?theme=mercury",
    "listing, two themes and a word": "/activities/?q=webinar&theme=air-quality&theme=mercury",
}
SCALE_SEARCHES = {
    "search, a common word (workshops)": "/search/?q=workshops",
    "search, two words (peru mercury)": "/search/?q=peru+mercury",
    "search, a rare word (minamata)": "/search/?q=minamata",
}
DETAIL = "/activities/peru-2020-03-raura-mine-inspections-webinar/"


def environment(database_url, **extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "REDIS_URL", "DATABASE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="coop_site.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def run(env, *arguments):
    result = subprocess.run([PYTHON, *arguments], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(env):
    run(env, "manage.py", "migrate", "--noinput", "--verbosity", "0")
    run(env, "manage.py", "load_initial_data")


def fresh_postgres():
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
        # Write out what an earlier run left in memory, so that this one is not timed paying for it.
        connection.execute("CHECKPOINT")
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{POSTGRES_DATABASE}"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def server(env, log):
    port = free_port()
    process = subprocess.Popen(
        # As in production, each request is logged (to the run's log file).
        [GUNICORN, "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"gunicorn did not start; see {log.name}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def load(url, *, seconds=SECONDS, connections=CONNECTIONS, headers=()):
    urllib.request.urlopen(urllib.request.Request(url, headers=dict(headers))).read()  # the first request fills caches
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(BENCH / "report.lua"),
         *(option for name, value in headers for option in ("-H", f"{name}: {value}")), url],
        capture_output=True, text=True, check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def static_file():
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def line(name, figures):
    failures = figures["errors"] + figures["non_2xx_3xx"]
    print(f"  {name:<34} {figures['rps']:>8.0f} req/s   p50 {figures['p50'] / 1000:>7.1f} ms   "
          f"p95 {figures['p95'] / 1000:>7.1f} ms   p99 {figures['p99'] / 1000:>7.1f} ms   failures {failures}")


def in_turn(first, second, rounds=ROUNDS):
    """Loads two addresses one after the other, ``rounds`` times, so that a
    ratio compares runs that met the same machine. Returns, for each address,
    the round with the median req/s, and every round's ratio first/second."""
    runs = [(load(first), load(second)) for _ in range(rounds)]
    ratios = sorted(a["rps"] / b["rps"] for a, b in runs)
    return median_run([a for a, _ in runs]), median_run([b for _, b in runs]), ratios


def median_run(runs):
    return sorted(runs, key=lambda figures: figures["rps"])[len(runs) // 2]


def ratio_line(name, ratios, target):
    spread = "   (rounds: " + ", ".join(f"{ratio:.0%}" for ratio in ratios) + ")" if len(ratios) > 1 else ""
    print(f"  {name:<34} {ratios[len(ratios) // 2]:>6.0%}   target at least {target}{spread}")


def measure(label, database_url, log):
    print(f"\n== {label}")
    base_env = environment(database_url)
    prepare(base_env)
    queries = json.loads(run(environment(database_url, CACHE_PAGE_SECONDS="0"), str(BENCH / "queries.py"),
                             PERU, LISTING, DETAIL))
    results = {}
    with server(environment(database_url, CACHE_PAGE_SECONDS="0"), log) as base:
        results["filtered listing, uncached"] = load(base + LISTING)
        results["Peru page, uncached"], results['plain "ok" view'], uncached_ratios = in_turn(
            base + PERU, base + "/healthz/live")
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture_output=True)
    with server(environment(database_url, REDIS_URL=REDIS_URL, CACHE_PAGE_SECONDS="600"), log) as base:
        results["Peru page, cached (Redis)"], results["small static file"], cached_ratios = in_turn(
            base + PERU, base + static_file())
        results["Peru page, cached, gzip"] = load(base + PERU, headers=[("Accept-Encoding", "gzip")])
        sizes = {address: (body_bytes(base + address), body_bytes(base + address, gzip=True))
                 for address in (PERU, LISTING, "/activities/feed/")}
    print(f"  (each figure of a page against a reference is the median of {ROUNDS} rounds of {SECONDS} s, "
          "the two loaded in turn)")
    for name, figures in results.items():
        line(name, figures)
    ratio_line("cached page / static file", cached_ratios, "80 %")
    ratio_line('uncached page / "ok" view', uncached_ratios, "25 %")
    for address, counted in queries.items():
        print(f"  SQL queries, {address:<58} {counted['queries']:>3}   (status {counted['status']})")
    for address, (plain, compressed) in sizes.items():
        print(f"  bytes sent, {address:<52} {plain:>7,} plain, {compressed:>6,} gzip "
              f"({1 - compressed / plain:.0%} saved)")
    return results


def body_bytes(url, gzip=False):
    """The size of a response's body as sent, plain or gzipped."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    with urllib.request.urlopen(request) as response:
        assert (response.headers.get("Content-Encoding") == "gzip") == gzip, url
        return len(response.read())


def scale(database_url, log):
    print(f"\n== Scale: PostgreSQL with {SCALE:,} generated activities")
    env = environment(database_url, CACHE_PAGE_SECONDS="0")
    started = time.perf_counter()
    total = run(env, str(BENCH / "generate.py"), str(SCALE)).strip()
    print(f"  generated in {time.perf_counter() - started:.0f} s; {int(total):,} activities in all")
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live database
    cold = json.loads(run(env, str(BENCH / "cold.py"), *SCALE_LISTINGS.values()))
    with server(env, log) as base:
        print("  latency, one connection per worker (facet counts cached after the first request):")
        for name, address in SCALE_LISTINGS.items():
            line(name, load(base + address, connections=2))
            print(f"  {'':34} first request, empty cache: {cold[address]:.0f} ms")
        print("  site search, one connection per worker, page cache off (target: p95 under 100 ms):")
        for name, address in SCALE_SEARCHES.items():
            line(name, load(base + address, connections=2))
        print(f"  throughput at {CONNECTIONS} connections:")
        for name, address in SCALE_LISTINGS.items():
            line(name, load(base + address))
        print("  endurance: 60 s at 32 connections on the filtered listing")
        endurance = load(base + "/activities/2010/?theme=mercury", seconds=60, connections=32)
        line("listing, 60 s at 32 connections", endurance)
        print(f"  errors {endurance['errors']}, responses of 500 or more {endurance['non_2xx_3xx']} (targets 0 and 0)")


def snapshot_load(label, database_url):
    """load_snapshot of a 10,000-activity fixture into an empty database, timed as a command."""
    env = environment(database_url)
    run(env, "manage.py", "migrate", "--noinput", "--verbosity", "0")
    with tempfile.TemporaryDirectory() as folder:
        fixture = Path(folder) / "snapshot-10000.json"
        megabytes = float(run(env, str(BENCH / "snapshot_fixture.py"), str(SNAPSHOT_ACTIVITIES), str(fixture)))
        started = time.perf_counter()
        run(env, "manage.py", "load_snapshot", str(fixture))
        seconds = time.perf_counter() - started
    print(f"  load_snapshot, {SNAPSHOT_ACTIVITIES:,} activities ({megabytes:.1f} MB), {label}: "
          f"{seconds:.1f} s   (target under 30 s)")


def main():
    if not shutil.which("wrk"):
        sys.exit("make bench needs wrk: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "gunicorn.log", "w") as log:
        measure("SQLite", f"sqlite:///{folder}/bench.sqlite3", log)
        postgres = fresh_postgres()
        measure("PostgreSQL", postgres, log)
        scale(postgres, log)
        print("\n== Loading a snapshot into an empty database (one transaction, every record cleaned)")
        snapshot_load("SQLite", f"sqlite:///{folder}/load.sqlite3")
        snapshot_load("PostgreSQL", fresh_postgres())


if __name__ == "__main__":
    main()
