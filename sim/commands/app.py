"""``alignsim app``: serve the interactive teaching app (Solara) on this machine, offline."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

NAME = "app"
HELP = "serve the interactive teaching app in a browser (offline; 127.0.0.1 by default)"
#: How long a session whose page has gone is kept for its page to reconnect (Solara's setting).
KERNEL_CULL_TIMEOUT = "60s"

DESCRIPTION = (
    "Serve the interactive app: explore a run, run an ensemble of 200 seeds or sweep a "
    "parameter, play a country, read the info page. Every front-end asset is served from this "
    "machine: Solara's from a local cache filled at install time (tools/fetch_assets.py), "
    "Plotly's from the installed plotly package (served once as a cacheable file); nothing is "
    "fetched at run time and telemetry is off. Each browser session gets its own model; a "
    f"session whose page has been closed for {KERNEL_CULL_TIMEOUT} is dropped. Open the printed "
    "address in a browser."
)
ORDER = 60

#: (npm name, version) of every front-end package the app's page requests from Solara's CDN
#: proxy (solara 1.64.1); tools/fetch_assets.py fills the cache with them at install time.
ASSET_PACKAGES: tuple[tuple[str, str], ...] = (
    ("@widgetti/solara-vuetify-app", "10.1.1"),
    ("requirejs", "2.3.6"),
    ("font-awesome", "4.5.0"),
    ("@widgetti/vue-grid-layout", "2.3.13-alpha.2"),
    ("mermaid", "10.8.0"),
    ("katex", "0.16.9"),
)

#: Environment the server runs with: telemetry off, and a CDN address on this machine that
#: answers nothing, so a cache miss fails at once instead of reaching the internet.
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/offline-no-cdn/",
    "MPLBACKEND": "Agg",
    "SOLARA_THEME_SHOW_BANNER": "False",
    # a session whose page has gone (closed tab, lost connection) is dropped after this long,
    # with its model and widgets, instead of Solara's default of a day: 30 pages in a class
    # would otherwise keep their memory until the server stops
    "SOLARA_KERNEL_CULL_TIMEOUT": KERNEL_CULL_TIMEOUT,
    # one session's thread after another would otherwise get its own C heap (glibc makes up to
    # 8 per core), which keeps its pages when the session ends
    "MALLOC_ARENA_MAX": "2",
    # Python's own small-object allocator keeps a 1 MiB arena as long as one object in it
    # lives: after 15 sessions closed, their objects were freed (the bytes in use back to the
    # warm start's) but 54 arenas, 66 MB, stayed; with the C allocator the app's malloc_trim
    # after a session closes gives most of those pages back (28 MB stayed), at no measurable
    # cost to a Step
    "PYTHONMALLOC": "malloc",
    # reacton's renderer that skips the components whose state and arguments did not change
    # (reacton's own opt-in): a Step then updates the Explore tab's few widgets instead of
    # walking and updating every widget of the page (sidebar, all tabs), a third of the time
    "REACTON_FAST": "1",
    # each session's objects, once its page is built, are kept out of the collector's view
    # (sim.teaching.app._session_ready): a collection in a Step then does not walk all of them
    "ALIGNSIM_APP_FREEZE_SESSIONS": "1",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only; give 0.0.0.0 to serve a "
        "classroom network)",
    )


def cache_dir() -> Path:
    """Solara's CDN proxy cache folder (where the front-end assets must be)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing_assets(cache: Path | None = None) -> list[str]:
    """``name@version`` of each front-end package not in the cache."""
    cache = cache or cache_dir()
    return [
        f"{n}@{v}" for n, v in ASSET_PACKAGES if not (cache / f"{n}@{v}" / "package.json").exists()
    ]


def reachable_addresses(host: str) -> list[str]:
    """The addresses a browser should open for a server bound to ``host``: the host itself, or,
    for every interface (0.0.0.0), this machine's network addresses and then 127.0.0.1."""
    if host not in ("0.0.0.0", "", "::"):
        return [host]
    import socket

    found: list[str] = []
    try:  # the address of the interface that routes outward (connecting a UDP socket sends nothing)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(info[4][0]))
    except OSError:
        pass
    out = [a for a in dict.fromkeys(found) if not a.startswith("127.") and a != "0.0.0.0"]
    return [*out, "127.0.0.1"]


def server_command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "solara", "run", "sim.teaching.app", "--host", host, "--port", str(port),
        "--production", "--no-open", "--log-level", "warning",
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from sim.errors import UserError

    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    try:
        missing = missing_assets()
    except ImportError:
        raise UserError(
            "the app needs the 'app' extra (solara)",
            hint="pip install -e '.[app]' (or: make venv)",
        ) from None
    if missing:
        raise UserError(
            "the app's front-end assets are not installed, so the page would stay blank offline",
            expected=f"in {cache_dir()}",
            found=", ".join(missing),
            hint="run `python tools/fetch_assets.py` (or `make venv`) once, with access to the "
            "npm registry",
        )
    if not 0 <= args.port <= 65535:
        raise UserError("the port must be in 0..65535", found=args.port)
    urls = ", ".join(f"http://{h}:{args.port}/" for h in reachable_addresses(args.host))
    where = "on every interface" if args.host in ("0.0.0.0", "", "::") else f"on {args.host}"
    print(f"alignsim app: serving {where}; open {urls}  (Ctrl-C stops it)", flush=True)
    cmd = server_command(args.host, args.port)
    # replace this process with the server, so stopping this process stops the server
    os.execvpe(cmd[0], cmd, os.environ)  # noqa: S606
    return 0  # pragma: no cover
