"""`make load`: the app as production runs it, under 50 users for 60 seconds.

A fresh PostgreSQL database with the demo data, gunicorn (gthread workers) with
production settings over plain HTTP on loopback (config/settings/loadtest.py says
what differs and why), the database task worker, and locust (bench/load/
locustfile.py) headless for a bounded time. Then everything is stopped, the
registrations the site confirmed are looked up in the database, and one report is
printed: requests/s, p50/p95/p99 per request group and in total, failures,
server errors, registrations sent/confirmed/in the database/lost.

Exit status 1 when any request failed, the server logged an error, or a
confirmed registration is missing from the database. Logs: var/load/.

    .venv/bin/python bench/load/run.py [--users 50] [--spawn-rate 10]
        [--run-time 60s] [--workers 3] [--threads 4] [--database lucca_load]
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "load"
VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python")
PG_SERVER = os.environ.get("LOAD_PG_SERVER", "postgres://postgres@127.0.0.1:5432")

# Folders of a previous run that must not leak into this one (static files are
# kept: collectstatic only refreshes what changed).
RUN_FOLDERS = ("media", "private", "mail", "seal")
RUN_FILES = (
    "access.log",
    "gunicorn.log",
    "worker.log",
    "setup.log",
    "locust.log",
    "locust-summary.txt",
    "registrations.txt",
    "data.json",
    "count.json",
    "report.txt",
)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database", default="lucca_load")
    return parser.parse_args(argv)


class Stop(Exception):
    """SIGINT/SIGTERM: stop everything that was started, then leave."""


def _interrupt(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def say(message: str) -> None:
    print(f"[load] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_folders() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    for name in RUN_FOLDERS:
        shutil.rmtree(VAR / name, ignore_errors=True)
    for name in RUN_FILES:
        (VAR / name).unlink(missing_ok=True)
    for stale in VAR.glob("locust_*.csv"):
        stale.unlink()
    (VAR / "locust.json").unlink(missing_ok=True)
    (VAR / "mail").mkdir()


def fresh_database(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"Not a plain database name: {name!r}")
    if subprocess.run(["bash", str(ROOT / "scripts" / "pg-up.sh")]).returncode:
        sys.exit(
            "PostgreSQL is not reachable at 127.0.0.1:5432: the load test needs it."
        )
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG_SERVER}/{name}"


def environment(database_url: str, port: int) -> dict:
    env = dict(os.environ)
    env.pop("DEBUG", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.loadtest",
            "DATABASE_URL": database_url,
            # Persistent connections, as a production deployment would configure.
            "DB_CONN_MAX_AGE": "60",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "MEDIA_ROOT": str(VAR / "media"),
            "PRIVATE_MEDIA_ROOT": str(VAR / "private"),
            "SEAL_DIR": str(VAR / "seal"),
            "EMAIL_FILE_PATH": str(VAR / "mail"),
            "LOG_LEVEL": "WARNING",
            "LOAD_DATA": str(VAR / "data.json"),
            "LOAD_REGISTRATIONS_FILE": str(VAR / "registrations.txt"),
            "LOAD_RUN_ID": secrets.token_hex(4),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def setup(env: dict) -> None:
    """Migrations, seal, demo data, static files, links for the users."""
    steps = [
        ("migrations", [PY, "manage.py", "migrate", "--noinput", "-v0"]),
        # Nothing to do unless the settings use a database cache; then it is needed.
        ("cache table", [PY, "manage.py", "createcachetable"]),
        ("seal certificate", [PY, "manage.py", "create_seal_certificate", "--force"]),
        ("demo data", [PY, "manage.py", "seed_demo"]),
        ("static files", [PY, "manage.py", "collectstatic", "--noinput", "-v0"]),
        ("links", [PY, "bench/load/dbstate.py", "prepare", env["LOAD_DATA"]]),
    ]
    with (VAR / "setup.log").open("a") as log:
        for label, command in steps:
            say(f"setting up: {label}")
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            done = subprocess.run(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            if done.returncode:
                raise RuntimeError(f"{label} failed: see {VAR / 'setup.log'}")


def start(command: list[str], env: dict, log_name: str) -> subprocess.Popen:
    log = (VAR / log_name).open("a")
    # Its own process group, so stopping it stops its children (gunicorn workers).
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen | None, label: str) -> None:
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            say(f"{label} did not stop on {sig.name}")


def wait_healthy(url: str, server: subprocess.Popen, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: see {VAR / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url}/healthz did not answer 200 in {seconds} s")


def wait_tasks_done(env: dict, seconds: int = 60) -> dict:
    """Let the task worker finish what the run enqueued; what is left, if any."""
    deadline = time.monotonic() + seconds
    while True:
        out = subprocess.run(
            [PY, "bench/load/dbstate.py", "tasks"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        counts = json.loads(out.stdout or "{}") if out.returncode == 0 else {}
        if not counts.get("READY") and not counts.get("RUNNING"):
            return counts
        if time.monotonic() > deadline:
            return counts
        time.sleep(1)


def server_errors() -> tuple[int, list[str]]:
    """5xx answers in the access log and error lines in the server/worker logs."""
    fives = 0
    access = VAR / "access.log"
    if access.exists():
        for line in access.read_text(errors="replace").splitlines():
            match = re.search(r'" (\d{3}) ', line)
            if match and match.group(1).startswith("5"):
                fives += 1
    errors = []
    for name in ("gunicorn.log", "worker.log"):
        path = VAR / name
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            if re.search(r"\[ERROR\]|Traceback|Internal Server Error|^\w*Error:", line):
                errors.append(f"{name}: {line.strip()}"[:200])
    return fives, errors


def count_mail() -> int:
    """Messages in the files of Django's file-based email backend."""
    header = re.compile(r"^Message-ID: ", re.MULTILINE)
    return sum(
        len(header.findall(path.read_text(errors="replace")))
        for path in (VAR / "mail").glob("*")
        if path.is_file()
    )


def stats_rows() -> list[dict]:
    """Per request group and in total, from locust's final JSON statistics.

    The JSON holds every request, including those finished while the users
    wind down (the CSV is written before); percentiles are computed from its
    response-time histogram as locust computes them.
    """
    path = VAR / "locust.json"
    if not path.exists():
        return []
    entries = json.loads(path.read_text())
    if not entries:
        return []
    began = min(e["start_time"] for e in entries)
    ended = max(e["last_request_timestamp"] or began for e in entries)
    seconds = max(ended - began, 1e-9)
    total = {"method": "", "name": "TOTAL", "times": {}, "requests": 0, "failures": 0}
    rows = []
    for entry in sorted(entries, key=lambda e: e["name"]):
        times = {int(k): v for k, v in entry["response_times"].items()}
        rows.append(
            {
                "method": entry["method"],
                "name": entry["name"],
                "times": times,
                "requests": entry["num_requests"],
                "failures": entry["num_failures"],
                "max": round(entry["max_response_time"] or 0),
            }
        )
        total["requests"] += entry["num_requests"]
        total["failures"] += entry["num_failures"]
        for key, value in times.items():
            total["times"][key] = total["times"].get(key, 0) + value
    total["max"] = max((row["max"] for row in rows), default=0)
    rows.append(total)
    for row in rows:
        row["rps"] = row["requests"] / seconds
        for p in (50, 95, 99):
            row[p] = _percentile(row["times"], row["requests"], p / 100)
    return rows


def _percentile(times: dict[int, int], requests: int, fraction: float) -> int:
    """locust's calculate_response_time_percentile, on a rounded histogram."""
    wanted = int(requests * fraction)
    processed = 0
    for value in sorted(times, reverse=True):
        processed += times[value]
        if requests - processed <= wanted:
            return value
    return 0


def report(args, rows, count, fives, errors, tasks, mails, duration):
    """The printed report, and whether the run passed."""
    lines = [
        f"Load test: {args.users} users (spawn rate {args.spawn_rate}/s) for "
        f"{args.run_time}; gunicorn {args.workers} workers x {args.threads} threads "
        f"(gthread), PostgreSQL, database task worker; {os.cpu_count()} CPUs "
        f"shared with whatever else runs on this machine.",
        "",
    ]
    header = (
        f"{'request group':<40} {'reqs':>6} {'fail':>5} {'req/s':>6} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}  (ms)"
    )
    lines += [header, "-" * len(header)]
    for row in rows:
        if row["name"] == "TOTAL":
            lines.append("-" * len(header))
        lines.append(
            f"{(row['method'] + ' ' + row['name']).strip()[:40]:<40} "
            f"{row['requests']:>6} {row['failures']:>5} {row['rps']:>6.2f} "
            f"{row[50]:>6} {row[95]:>6} {row[99]:>6} {row['max']:>6}"
        )
    total = rows[-1] if rows else {"requests": 0, "failures": 0, "rps": 0.0}
    requests, failures = total["requests"], total["failures"]
    lost = count.get("lost", [])
    lines += [
        "",
        f"Requests: {requests:,} in {duration:.0f} s, {total['rps']:.1f} requests/s; "
        f"failures: {failures}; 5xx in the access log: {fives}; "
        f"errors in server logs: {len(errors)}",
        f"Registrations: sent {count.get('sent', 0)}, "
        f"confirmed by the site {count.get('confirmed', 0)}, "
        f"in the database {count.get('in_db', 0)} "
        f"({_statuses(count.get('by_status', {}))}), lost {len(lost)}; "
        f"emails written {mails}",
        f"Background tasks after the run: {_statuses(tasks) or 'none'}",
    ]
    for title, items in (
        ("Lost (confirmed, not in the database)", lost),
        ("In the database, the answer not seen by the user", count.get("unreported")),
        ("Registered twice", count.get("duplicated")),
        ("Server errors", errors),
    ):
        if items:
            lines += [f"{title}:"] + [f"  {item}" for item in items[:20]]
    failed_tasks = (tasks or {}).get("FAILED", 0)
    ok = (
        requests > 0
        and failures == 0
        and fives == 0
        and not errors
        and not lost
        and not count.get("duplicated")
        and not failed_tasks
    )
    lines.append("")
    lines.append(
        "OK: no errors, no lost or doubled registrations, no failed tasks."
        if ok
        else "FAILED: see above and var/load/ (locust_failures.csv, gunicorn.log)."
    )
    return "\n".join(lines), ok


def _statuses(counts: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items()) if value)


def main(argv) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    fresh_folders()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(fresh_database(args.database), port)
    worker = server = locust = None
    try:
        setup(env)
        say("starting the task worker and gunicorn")
        worker = start(
            [PY, "manage.py", "db_worker", "--queue-name", "*"], env, "worker.log"
        )
        server = start(
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                f"--workers={args.workers}",
                "--worker-class=gthread",
                f"--threads={args.threads}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=60",
                # locust reuses its connections between pages, as a reverse proxy
                # does; gunicorn's 2 s default (meant for browsers talking to it
                # directly) closes idle ones just as a user comes back after a
                # pause, and that request fails with "connection reset by peer".
                "--keep-alive=30",
                "--no-control-socket",
                f"--access-logfile={VAR / 'access.log'}",
            ],
            env,
            "gunicorn.log",
        )
        wait_healthy(url, server)
        # seed_demo enqueued Wagtail's reference-index updates: let the worker
        # finish them, so the run measures the site rather than the seeding.
        say("waiting for the task worker to finish the seeding's tasks")
        wait_tasks_done(env, seconds=300)
        say(f"locust: {args.users} users for {args.run_time} against {url}")
        began = time.monotonic()
        summary = (VAR / "locust-summary.txt").open("w")
        locust = subprocess.Popen(
            [
                str(VENV_BIN / "locust"),
                "-f",
                "bench/load/locustfile.py",
                "--headless",
                f"--users={args.users}",
                f"--spawn-rate={args.spawn_rate}",
                f"--run-time={args.run_time}",
                f"--host={url}",
                f"--csv={VAR / 'locust'}",
                f"--json-file={VAR / 'locust'}",
                "--only-summary",
                "--stop-timeout=10",
                f"--logfile={VAR / 'locust.log'}",
            ],
            cwd=ROOT,
            env=env,
            stdout=summary,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        locust.wait()
        duration = time.monotonic() - began
        say("run over: letting the task worker finish, then stopping")
        tasks = wait_tasks_done(env)
    finally:
        stop(locust, "locust")
        stop(server, "gunicorn")
        stop(worker, "task worker")
    out = subprocess.run(
        [
            PY,
            "bench/load/dbstate.py",
            "count",
            env["LOAD_REGISTRATIONS_FILE"],
            str(VAR / "count.json"),
        ],
        cwd=ROOT,
        env=env,
    )
    count = json.loads((VAR / "count.json").read_text()) if out.returncode == 0 else {}
    fives, errors = server_errors()
    if out.returncode:
        errors.append("the registrations could not be counted in the database")
    text, ok = report(
        args, stats_rows(), count, fives, errors, tasks, count_mail(), duration
    )
    (VAR / "report.txt").write_text(text + "\n")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Stop as stopped:
        sys.exit(f"[load] stopped by {stopped}")
    except RuntimeError as error:
        sys.exit(f"[load] {error}")
