"""Class mode's web server: Starlette on one event loop, state in memory, JSON endpoints and two
plain HTML pages (student ``/``, instructor ``/instructor``) with small scripts, all served from
the package: no CDN, no request leaves the server's host.

Pages poll with a version (``since``): a poll whose version is current waits (long poll) until
something changes or ``POLL_WAIT`` seconds pass, so a class-wide "next month" reaches every page
at once and idle pages cost one cheap request every ``POLL_WAIT`` seconds. Every handler runs on
the event loop without awaiting in the middle of a change, so no lock is needed. A background
task ticks the class (the timer, "advance when all have chosen", dropping students whose page
stopped polling) every ``TICK`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from sim.teaching.classroom.state import ClassError, Classroom, Preset, UnknownStudent

POLL_WAIT = 15.0
TICK = 0.25
STATIC = ("student.html", "instructor.html", "class.js", "class.css")


def static_dir() -> Path:
    return Path(str(resources.files("sim.teaching.classroom") / "static"))


class ClassServer:
    """The class mode's state behind the HTTP endpoints: at most one class session at a time."""

    def __init__(
        self,
        presets: dict[str, Preset],
        token: str,
        *,
        drop_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.presets = presets
        self.token = token
        self.drop_after = drop_after
        self.clock = clock
        self.room: Classroom | None = None
        self.serial = 0  # sessions opened, so versions never repeat across sessions
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ versions
    def version(self) -> int:
        return self.serial * 1_000_000_000 + (self.room.version if self.room else 0)

    def changed(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, since: int, wait: float) -> None:
        deadline = time.monotonic() + wait  # real time, whatever clock the class runs on
        while self.version() == since:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ev = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ev.wait(), left)

    def tick(self) -> None:
        if self.room is not None and self.room.tick(self.clock()):
            self.changed()

    # ------------------------------------------------------------------ actions
    def open(self, key: str) -> Classroom:
        if key not in self.presets:
            raise ClassError(f"unknown preset {key!r}; the presets are {', '.join(self.presets)}")
        if self.room is not None:
            self.room.end()
        self.serial += 1
        self.room = Classroom(self.presets[key], drop_after=self.drop_after, now=self.clock())
        self.changed()
        return self.room

    def need_room(self) -> Classroom:
        if self.room is None:
            raise ClassError("no class session is open yet: wait for your instructor")
        return self.room

    def authorised(self, request: Request) -> bool:
        given = request.headers.get("x-class-token") or request.query_params.get("token") or ""
        return hmac.compare_digest(given.encode(), self.token.encode())


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ClassError("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise ClassError("the request body must be a JSON object")
    return data


def _since(request: Request) -> int | None:
    raw = request.query_params.get("since")
    try:
        return None if raw is None else int(raw)
    except ValueError:
        return None


def create_app(server: ClassServer) -> Starlette:
    """The Starlette app of class mode over ``server``."""
    static = static_dir()

    def guarded(fn: Callable[[Request], Any], instructor: bool = False) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            if instructor and not server.authorised(request):
                return _error(
                    "the instructor's token is missing or wrong (see the server's start-up line)",
                    403,
                )
            try:
                resp: Response = await fn(request)
            except UnknownStudent as e:
                return _error(str(e), 410)
            except ClassError as e:
                return _error(str(e), 400)
            return resp

        return handler

    # ---------------------------------------------------------------- pages
    async def student_page(request: Request) -> Response:
        return FileResponse(static / "student.html", headers={"Cache-Control": "no-cache"})

    async def instructor_page(request: Request) -> Response:
        if not server.authorised(request):
            return HTMLResponse(
                "<!doctype html><title>alignsim class</title><p>The instructor's page needs the "
                "address with the token that <code>alignsim class</code> printed at start-up.</p>",
                status_code=403,
            )
        return FileResponse(static / "instructor.html", headers={"Cache-Control": "no-cache"})

    async def static_file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return _error("not found", 404)
        return FileResponse(static / name, headers={"Cache-Control": "no-cache"})

    # ---------------------------------------------------------------- students
    async def session_info(request: Request) -> Response:
        room = server.room
        if room is None or room.ended:
            return JSONResponse(
                {"open": False, "ended": room is not None, "version": server.version()}
            )
        return JSONResponse({"open": True, "version": server.version(), "title": room.preset.title,
                             "roles": list(room.preset.roles), "month": room.month,
                             "months": room.months})  # fmt: skip

    async def join(request: Request) -> Response:
        data = await _body(request)
        room = server.need_room()
        st = room.join(str(data.get("name", "")), str(data.get("group", "")), data.get("role") or None,
                       now=server.clock())  # fmt: skip
        server.changed()
        return JSONResponse({"sid": st.sid, "role": st.role, "group": st.group})

    async def state(request: Request) -> Response:
        sid = request.query_params.get("sid", "")
        room = server.need_room()
        room.seen(sid, server.clock())
        since = _since(request)
        if since is not None and since == server.version():
            # a waiting poll must come back before the page would count as closed
            await server.wait_change(since, min(POLL_WAIT, max(1.0, server.drop_after / 3)))
        room = server.need_room()
        now = server.clock()
        room.seen(sid, now)
        return JSONResponse({"version": server.version(), "view": room.student_view(sid, now)})

    async def choose(request: Request) -> Response:
        data = await _body(request)
        server.need_room().choose(
            str(data.get("sid", "")), str(data.get("move", "")), now=server.clock()
        )
        server.changed()
        return JSONResponse({"ok": True, "version": server.version()})

    async def respond(request: Request) -> Response:
        data = await _body(request)
        if not isinstance(data.get("accept"), bool):
            raise ClassError("answer with accept: true or false")
        server.need_room().respond(str(data.get("sid", "")), data["accept"], now=server.clock())
        server.changed()
        return JSONResponse({"ok": True, "version": server.version()})

    async def leave(request: Request) -> Response:
        data = await _body(request)
        if server.room is not None:
            server.room.leave(str(data.get("sid", "")))
            server.changed()
        return JSONResponse({"ok": True})

    # ---------------------------------------------------------------- instructor
    async def presets(request: Request) -> Response:
        return JSONResponse([{"key": p.key, "title": p.title, "description": p.description,
                              "scenario": p.scenario, "seed": p.seed, "months": p.months,
                              "roles": list(p.roles), "timer": p.timer}
                             for p in server.presets.values()])  # fmt: skip

    async def instructor_state(request: Request) -> Response:
        since = _since(request)
        if since is not None and since == server.version():
            await server.wait_change(since, POLL_WAIT)
        room = server.room
        view = None if room is None else room.instructor_view(server.clock())
        return JSONResponse({"version": server.version(), "view": view})

    async def open_session(request: Request) -> Response:
        data = await _body(request)
        server.open(str(data.get("preset", "")))
        return JSONResponse({"ok": True, "version": server.version()})

    async def advance(request: Request) -> Response:
        server.need_room().advance(now=server.clock(), by="instructor")
        server.changed()
        return JSONResponse({"ok": True, "version": server.version()})

    async def timer(request: Request) -> Response:
        data = await _body(request)
        seconds = data.get("seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ClassError("the timer is a number of seconds")
        server.need_room().set_timer(
            float(seconds), bool(data.get("auto", False)), now=server.clock()
        )
        server.changed()
        return JSONResponse({"ok": True, "version": server.version()})

    async def end(request: Request) -> Response:
        server.need_room().end()
        server.changed()
        return JSONResponse({"ok": True, "version": server.version()})

    async def decisions(request: Request) -> Response:
        room = server.need_room()
        name = f"alignsim_class_{room.preset.key}_seed{room.preset.seed}.csv"
        return Response(room.decisions_csv(), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def ticker() -> None:
            while True:
                await asyncio.sleep(TICK)
                server.tick()

        server._changed = asyncio.Event()  # bound to the running loop
        task = asyncio.create_task(ticker())
        try:
            yield
        finally:
            task.cancel()

    routes = [
        Route("/", student_page),
        Route("/instructor", instructor_page),
        Route("/static/{name}", static_file),
        Route("/health", health),
        Route("/api/session", guarded(session_info)),
        Route("/api/join", guarded(join), methods=["POST"]),
        Route("/api/state", guarded(state)),
        Route("/api/choose", guarded(choose), methods=["POST"]),
        Route("/api/respond", guarded(respond), methods=["POST"]),
        Route("/api/leave", guarded(leave), methods=["POST"]),
        Route("/api/instructor/presets", guarded(presets, True)),
        Route("/api/instructor/state", guarded(instructor_state, True)),
        Route("/api/instructor/open", guarded(open_session, True), methods=["POST"]),
        Route("/api/instructor/advance", guarded(advance, True), methods=["POST"]),
        Route("/api/instructor/timer", guarded(timer, True), methods=["POST"]),
        Route("/api/instructor/end", guarded(end, True), methods=["POST"]),
        Route("/api/instructor/decisions.csv", guarded(decisions, True)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
