"""Command line: ``python -m deploy start|status|stop`` (see README, "Deploying")."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from deploy.cluster import DEFAULT_RUN_DIR, DeployError, Plan, start, status, stop
from reports.store import database_url
from settings import get_settings


def _start(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.database_url:
        print("Set GRA_DATABASE_URL to the PostgreSQL database every replica shares, e.g. "
              "postgresql+psycopg://atlas@127.0.0.1:5432/atlas", file=sys.stderr)
        return 2
    plan = Plan(run_dir=args.run_dir, port=args.port,
                app_ports=tuple(args.app_port + i for i in range(args.replicas)),
                database_url=database_url(settings), cache_dir=settings.cache_dir,
                host=args.host)
    started = start(plan)
    replicas = [p for p in started if p.name != "nginx"]
    print(f"Ready: http://{plan.host}:{plan.port}/")
    print(f"  {len(replicas)} replicas on ports {', '.join(str(p.port) for p in replicas)}, "
          "each answering /_stcore/health")
    print(f"  database {make_url(plan.database_url).render_as_string(hide_password=True)}")
    print(f"  cache {plan.cache_dir}")
    print(f"  logs and pids in {plan.run_dir}")
    return 0


def _status(args: argparse.Namespace) -> int:
    rows = status(args.run_dir)
    if not rows:
        print(f"Nothing is running from {args.run_dir}.")
        return 1
    print(f"{'process':<12} {'pid':>8} {'port':>6}  state")
    for row in rows:
        state = "healthy" if row.healthy else "running, not healthy" if row.running else "down"
        print(f"{row.name:<12} {row.pid:>8} {row.port:>6}  {state}")
    return 0 if all(row.healthy for row in rows) else 1


def _stop(args: argparse.Namespace) -> int:
    stopped = stop(args.run_dir)
    print("Stopped: " + ", ".join(stopped) if stopped else
          f"Nothing was running from {args.run_dir}.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy",
        description="Streamlit replicas behind nginx on this machine, sharing one PostgreSQL "
                    "(GRA_DATABASE_URL) and one cache directory (GRA_CACHE_DIR).")
    parser.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR,
                        help="pids, logs, generated nginx.conf and cookie secret "
                             "(default: run/ in the project)")
    commands = parser.add_subparsers(dest="command", required=True)
    begin = commands.add_parser("start", help="start the replicas and nginx; wait until healthy")
    begin.add_argument("--replicas", type=int, default=2, help="how many (default 2)")
    begin.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    begin.add_argument("--host", default="127.0.0.1",
                       help="where nginx listens (default 127.0.0.1; 0.0.0.0 for every "
                            "interface); the replicas listen on 127.0.0.1 only")
    begin.add_argument("--app-port", type=int, default=8501,
                       help="first replica's port; the others follow (default 8501)")
    begin.set_defaults(run=_start)
    commands.add_parser("status", help="is each process up and healthy?").set_defaults(
        run=_status)
    commands.add_parser("stop", help="stop what start started, and nothing else").set_defaults(
        run=_stop)
    args = parser.parse_args(argv)
    if getattr(args, "replicas", 1) < 1:
        parser.error("--replicas must be at least 1")
    try:
        return args.run(args)
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

