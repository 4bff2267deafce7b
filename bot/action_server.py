"""The action server, answering only Rasa: rasa-sdk's app behind a shared secret, on loopback.

    python -m bot.action_server [--host 127.0.0.1] [--port 5055]

``rasa run actions`` listens on every interface and runs any action for anyone who can reach it,
with the whole tracker in the request; its error handler logs the request and sends the request
body back. Here:

* every call but ``GET /health`` needs ``Authorization: Bearer <ACTION_SERVER_TOKEN>``: Rasa
  sends it from ``endpoints.yml`` (``action_endpoint.headers``); the server does not start
  without the token;
* it listens on ``ACTION_SERVER_HOST`` (default 127.0.0.1) — set it to another address only for
  a multi-host deployment, where the token is what keeps others out;
* an action that fails answers 500 with no request data, and the log names the exception class
  only (the tracker holds the user's messages).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from typing import Optional, Sequence

from sanic import Sanic, response
from sanic.request import Request

from bot.channels import identity
from bot.nlu import dates

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
MIN_TOKEN_LENGTH = 16
OPEN_PATHS = ("/health",)


class ActionServerError(RuntimeError):
    pass


def action_token(env=os.environ) -> str:
    token = env.get(TOKEN_VARIABLE, "")
    if len(token) < MIN_TOKEN_LENGTH:
        raise ActionServerError(
            f"{TOKEN_VARIABLE} must be set to a secret of at least {MIN_TOKEN_LENGTH} "
            "characters (the same one Rasa sends from endpoints.yml)"
        )
    return token


def authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def create_app(token: str, package: str = "actions") -> Sanic:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(package, cors_origins=None)

    @app.on_request
    async def require_token(request: Request):
        if request.path in OPEN_PATHS:
            return None
        if not authorised(request, token):
            return response.json({"error": "missing or invalid bearer token"}, status=401)
        return None

    async def failed(request: Request, exception: Exception):
        logger.error("action server: %s while handling %s", type(exception).__name__, request.path)
        return response.json({"error": "internal error of the action server"}, status=500)

    app.error_handler.add(Exception, failed)
    return app


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.action_server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", "5055"))
    )
    parser.add_argument("--actions", default="actions", help="the package of the actions")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        token = action_token()
        # the identity settings are read on every request: a bad one stops the start instead
        # of failing each action (HTTP 500) while the health check says all is well
        identity.dev_mode()
        identity.identity_secret()
    except (ActionServerError, identity.ConfigurationError) as error:
        print(f"python -m bot.action_server: {error}", file=sys.stderr)
        return 2
    app = create_app(token, args.actions)
    dates.warm_up()
    logger.info("action server on http://%s:%s (token required)", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
