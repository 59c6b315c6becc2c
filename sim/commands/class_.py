"""``alignsim class``: serve class mode: an instructor's dashboard and a shared run per group."""

from __future__ import annotations

import argparse
import secrets
import socket
import sys
from pathlib import Path

NAME = "class"
HELP = "serve class mode: students in groups play Seoul, Tokyo and Washington in shared runs"
DESCRIPTION = (
    "Start the instructor's server for a class on this machine (127.0.0.1 unless --host is "
    "given). The instructor's page (its address, with a token, is printed at start-up) opens a "
    "session from an exercise preset (scenario, seed, months and roles locked), shows every "
    "group's progress, advances the class month by month or on a timer, and at the end sets the "
    "class's runs beside the agent strategies on the same seed and downloads one CSV of all "
    "decisions. Students open the printed student address, join with a name and a group code, "
    "and play one role each in their group's shared run; agents play the roles nobody holds. "
    "Everything is served from this machine: no internet access is needed. A stylised teaching "
    "model, not a forecast."
)
ORDER = 62


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8766, help="port (default 8766; 0: any free)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only; give 0.0.0.0 to serve the "
        "classroom's network, and the addresses students should open are printed)",
    )
    parser.add_argument("--preset", default=None,
                        help="open a session from this preset at start-up (default: the instructor opens one)")  # fmt: skip
    parser.add_argument("--presets", type=Path, default=None,
                        help="a TOML file of exercise presets (default: the built-in ones)")  # fmt: skip
    parser.add_argument("--drop-after", type=float, default=30.0,
                        help="seconds without a poll before a student's page counts as closed and "
                        "the role returns to the agent (default 30)")  # fmt: skip
    parser.add_argument("--token", default=None,
                        help="the instructor's token (default: a random one, printed at start-up)")  # fmt: skip


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); UserError if the port is in use or the host wrong."""
    from sim.errors import UserError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise UserError(f"port {port} is in use on {host}", key="--port", expected="a free port (or 0: any free port)",
                            found=port) from None  # fmt: skip
        raise UserError(f"cannot listen on {host}:{port}: {e.strerror}", key="--host",
                        expected="an address of this machine (127.0.0.1, 0.0.0.0, ...)", found=host) from None  # fmt: skip
    return sock


def warm_up() -> None:
    """Compile the model's month once (first use in a new environment takes several seconds),
    so the first class-wide click is as fast as the others."""
    from sim.engines.model import AlignmentModel

    m = AlignmentModel(months=2)
    m.move_options("ROK")
    m.step()
    m.record()


def run(args: argparse.Namespace) -> int:
    from sim.errors import UserError

    try:
        import uvicorn
    except ImportError:
        raise UserError("class mode needs the 'app' extra (starlette, uvicorn)",
                        hint="pip install -e '.[app]' (or: make venv)") from None  # fmt: skip
    from sim.commands.app import reachable_addresses
    from sim.teaching.classroom.server import ClassServer, create_app
    from sim.teaching.classroom.state import load_presets

    if not 0 <= args.port <= 65535:
        raise UserError("the port must be in 0..65535", key="--port", found=args.port)
    if not args.drop_after > 0:
        raise UserError("a positive number of seconds", key="--drop-after", found=args.drop_after)
    presets = load_presets(args.presets)
    if args.preset is not None and args.preset not in presets:
        raise UserError(
            "unknown preset", key="--preset", expected=", ".join(presets), found=args.preset
        )
    token = args.token or secrets.token_urlsafe(9)
    sock = bind(args.host, args.port)
    port = int(sock.getsockname()[1])
    print("alignsim class: preparing the model...", flush=True)
    warm_up()
    server = ClassServer(presets, token, drop_after=args.drop_after)
    if args.preset is not None:
        server.open(args.preset)
    app = create_app(server)
    hosts = reachable_addresses(args.host)
    where = "on every interface" if args.host in ("0.0.0.0", "", "::") else f"on {args.host}"
    students = ", ".join(f"http://{h}:{port}/" for h in hosts)
    print(f"alignsim class: serving {where}, port {port} (Ctrl-C stops it)", flush=True)
    print(f"  students open:   {students}", flush=True)
    print(f"  instructor opens: http://{hosts[0]}:{port}/instructor?token={token}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass
    finally:
        sock.close()
    print("alignsim class: stopped", file=sys.stderr, flush=True)
    return 0
