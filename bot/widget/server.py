"""The chat page's web server: the page, its own scripts and styles, and the vendored widget.

    python -m bot.widget serve [--host 127.0.0.1] [--port 8080] [--rasa-url http://127.0.0.1:5005]

Settings come from the command line or the environment (``WIDGET_HOST``, ``WIDGET_PORT``,
``WIDGET_RASA_URL``). The page reads ``/config.json`` to learn where the Rasa server's socket.io
channel is and whether the demo login is on.

**Demo login.** In development mode only (``BOT_DEV_MODE=1``, set by ``make run``; refused with
``BOT_ENV=production``, see :mod:`bot.channels.identity`) and with ``WIDGET_JWT_SECRET`` set,
``POST /demo/login`` ``{"borrower": "<demo id>"}`` issues what a lender's login would: a JWT
(HS256, ``sub`` = the borrower's widget identity, ``aud`` = ``debt-helper-widget``, ``exp`` in
15 minutes) that the page passes when its socket connects. Otherwise the route answers 404 and
the page offers no login: every visitor is anonymous. Every response carries a strict
Content-Security-Policy: scripts only from this server, network connections only to this
server and the Rasa server, no inline scripts, so neither a bot message nor a user message can
ever run code in the page, whatever the widget does with it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional
from urllib.parse import urlsplit

import jwt
from aiohttp import web

from bot.channels.identity import ConfigurationError, dev_mode
from bot.loans.demo_borrowers import DEMO
from bot.paths import BUILD_DIR

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
VENDOR_DIR = BUILD_DIR / "widget"
# the files build.sh vendors; the page loads them in this order before its own scripts
VENDOR_FILES = ("react.production.min.js", "react-dom.production.min.js", "rasa-webchat.js")

# the demo borrowers, with what each one shows (the page's demo-login select)
DEMO_BORROWERS = tuple((b.id, b.name, b.situation) for b in DEMO)


TOKEN_AUDIENCE = "debt-helper-widget"
TOKEN_SECONDS = 15 * 60
JWT_SECRET_VARIABLE = "WIDGET_JWT_SECRET"


class SettingsError(ValueError):
    """A setting that cannot work, with a message that says which one and why."""


@dataclass(frozen=True)
class WidgetSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    socket_path: str = "/socket.io/"
    static_dir: Path = STATIC_DIR
    vendor_dir: Path = VENDOR_DIR
    borrowers: tuple = field(default=DEMO_BORROWERS)
    #: the demo login's signing secret; the login is on only with it and in development mode
    jwt_secret: Optional[str] = None
    demo_login: bool = False

    def __post_init__(self) -> None:
        parts = urlsplit(self.rasa_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(
                f"the Rasa URL must look like http://127.0.0.1:5005, not {self.rasa_url!r}"
            )
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise SettingsError(f"the port must be a number from 0 to 65535, not {self.port!r}")
        object.__setattr__(self, "rasa_url", self.rasa_url.rstrip("/"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> "WidgetSettings":
        values: Dict[str, Any] = {}
        if env.get("WIDGET_HOST"):
            values["host"] = env["WIDGET_HOST"]
        if env.get("WIDGET_PORT"):
            try:
                values["port"] = int(env["WIDGET_PORT"])
            except ValueError:
                raise SettingsError(
                    f"WIDGET_PORT must be a number, not {env['WIDGET_PORT']!r}"
                ) from None
        if env.get("WIDGET_RASA_URL"):
            values["rasa_url"] = env["WIDGET_RASA_URL"]
        try:
            development = dev_mode(env)
        except ConfigurationError as error:
            raise SettingsError(str(error)) from None
        if development and env.get(JWT_SECRET_VARIABLE):
            values["jwt_secret"] = env[JWT_SECRET_VARIABLE]
            values["demo_login"] = True
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    @property
    def rasa_origins(self) -> List[str]:
        """The Rasa server's origin for HTTP (socket.io polling) and for its websocket."""
        parts = urlsplit(self.rasa_url)
        socket_scheme = "wss" if parts.scheme == "https" else "ws"
        return [f"{parts.scheme}://{parts.netloc}", f"{socket_scheme}://{parts.netloc}"]

    def widget_built(self) -> bool:
        return all((self.vendor_dir / name).is_file() for name in VENDOR_FILES)


def content_security_policy(settings: WidgetSettings) -> str:
    connect = " ".join(["'self'", *settings.rasa_origins])
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            # the widget injects its stylesheet as <style> elements and sets style attributes
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers_middleware(settings: WidgetSettings):
    policy = content_security_policy(settings)

    @web.middleware
    async def add_headers(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ):
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = error
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-cache")
        if isinstance(response, web.HTTPException):
            raise response
        return response

    return add_headers


def page_config(settings: WidgetSettings) -> Dict[str, Any]:
    return {
        "socketUrl": settings.rasa_url,
        "socketPath": settings.socket_path,
        "widgetBuilt": settings.widget_built(),
        "demoLogin": settings.demo_login,
        "borrowers": (
            [
                {"id": ident, "label": f"{name}（{situation}）"}
                for ident, name, situation in settings.borrowers
            ]
            if settings.demo_login
            else []
        ),
    }


def issue_token(
    subject: str, secret: str, seconds: int = TOKEN_SECONDS, now: Optional[float] = None
) -> str:
    """What a lender's login gives the page: a short-lived JWT naming the borrower's widget
    identity."""
    issued = int(now if now is not None else time.time())
    claims = {"sub": subject, "aud": TOKEN_AUDIENCE, "iat": issued, "exp": issued + seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


def create_app(settings: Optional[WidgetSettings] = None) -> web.Application:
    settings = settings or WidgetSettings()
    app = web.Application(middlewares=[security_headers_middleware(settings)])

    async def index(_: web.Request) -> web.StreamResponse:
        return web.FileResponse(settings.static_dir / "index.html")

    async def config(_: web.Request) -> web.Response:
        return web.json_response(page_config(settings))

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "widget_built": settings.widget_built()})

    known = {ident for ident, _, _ in settings.borrowers}

    async def demo_login(request: web.Request) -> web.Response:
        if not (settings.demo_login and settings.jwt_secret):
            raise web.HTTPNotFound(text="no demo login here\n")
        try:
            body = await request.json()
        except ValueError:
            body = None
        borrower = body.get("borrower") if isinstance(body, dict) else None
        if borrower not in known:
            return web.json_response(
                {"error": "unknown demo borrower", "message": "没有这个演示借款人。"}, status=400
            )
        return web.json_response(
            {"token": issue_token(borrower, settings.jwt_secret), "expires_in": TOKEN_SECONDS}
        )

    async def vendor(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in VENDOR_FILES:
            raise web.HTTPNotFound(text="no such file\n")
        path = settings.vendor_dir / name
        if not path.is_file():
            raise web.HTTPNotFound(
                text="the chat widget is not built: run bash bot/widget/build.sh\n"
            )
        return web.FileResponse(path, headers={"Content-Type": "text/javascript; charset=utf-8"})

    app.router.add_get("/", index)
    app.router.add_get("/config.json", config)
    app.router.add_get("/health", health)
    app.router.add_post("/demo/login", demo_login)
    app.router.add_get("/vendor/{name}", vendor)
    app.router.add_static("/static/", settings.static_dir, follow_symlinks=False)
    return app


async def run(settings: WidgetSettings) -> None:
    """Serve until cancelled; an address that cannot be bound raises OSError before serving."""
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
        print(
            f"chat page: http://{settings.host}:{settings.port}/  (Rasa at {settings.rasa_url})",
            flush=True,
        )
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def serve(settings: WidgetSettings) -> None:
    if not settings.widget_built():
        logger.warning(
            "the chat widget is not built (%s): run bash bot/widget/build.sh; the page will say so",
            settings.vendor_dir,
        )
    asyncio.run(run(settings))
