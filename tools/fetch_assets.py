#!/usr/bin/env python3
"""Fill Solara's CDN proxy cache from the npm registry, at install time, so the app works offline.

Solara's page loads its front-end from a public CDN (jsDelivr), which the machines this project
runs on cannot reach. The Solara server answers ``/_solara/cdn/<name>@<version>/<file>`` from its
proxy cache folder (``solara.server.settings.assets.proxy_cache_dir``) before trying the CDN, so
this script puts each package the page needs, unpacked, into ``<cache>/<name>@<version>/``,
fetching the tarballs with ``npm pack`` (the npm registry, an ordinary package client).

The plots need nothing from here: Plotly's JavaScript ships inside the ``plotly`` Python package,
and the app serves that file itself (``/static/assets/``, once per browser, cacheable; see
``sim.teaching.app.serve_plotly_bundle``).

Idempotent: a package already in the cache (its ``package.json`` present) is skipped. Quiet unless
it fetches something or fails. ``--check`` only reports what is missing (exit 1 if anything is).

The list (``sim.commands.app.ASSET_PACKAGES``) holds the versions solara 1.64.1 asks for; a
newer solara may ask for others: the browser tests (tests/teaching/test_browser_app.py) fail if a request goes
unanswered.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path


def packages() -> tuple[tuple[str, str], ...]:
    """(npm name, version) of each package, from the app command (one list to keep)."""
    from sim.commands.app import ASSET_PACKAGES

    return ASSET_PACKAGES


def cache_dir() -> Path:
    """Solara's CDN proxy cache folder for the running interpreter."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(cache: Path) -> list[tuple[str, str]]:
    return [(n, v) for n, v in packages() if not (cache / f"{n}@{v}" / "package.json").exists()]


def fetch(name: str, version: str, cache: Path) -> None:
    """``npm pack`` one package and unpack it into ``<cache>/<name>@<version>/`` atomically."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "fetch_assets: npm is needed to fetch the app's front-end assets (install Node.js)"
        )
    dest = cache / f"{name}@{version}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"fetch_assets: npm pack {name}@{version} failed:\n{out.stderr}")
        tarballs = list(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            raise SystemExit(f"fetch_assets: npm pack {name}@{version} gave {tarballs}")
        staging = Path(tmp) / "unpacked"
        staging.mkdir()
        with tarfile.open(tarballs[0]) as tar:
            for member in tar.getmembers():
                # npm tarballs hold one top folder (usually "package/"): strip it
                parts = Path(member.name).parts[1:]
                if not parts or not (member.isfile() or member.isdir()):
                    continue
                member.name = str(Path(*parts))
                tar.extract(member, staging, filter="data")
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(staging), dest)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report missing packages")
    ap.add_argument("--cache", type=Path, default=None, help="cache folder (default: Solara's)")
    args = ap.parse_args(argv)
    cache = args.cache or cache_dir()
    todo = missing(cache)
    if args.check:
        for n, v in todo:
            print(f"missing: {n}@{v}")
        return 1 if todo else 0
    for n, v in todo:
        print(f"fetch_assets: {n}@{v} -> {cache}", file=sys.stderr)
        fetch(n, v, cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
