"""Command line of the chat page::

    python -m bot.widget serve [--host 127.0.0.1] [--port 8080] [--rasa-url http://127.0.0.1:5005]

Defaults come from ``WIDGET_HOST``, ``WIDGET_PORT`` and ``WIDGET_RASA_URL``. The widget itself
is vendored by ``bash bot/widget/build.sh`` (run by the set-up and by ``make run``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Optional, Sequence

from bot.widget.server import SettingsError, WidgetSettings, serve


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.widget",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the chat page")
    run.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=None, help="port to listen on (default 8080)")
    run.add_argument(
        "--rasa-url", default=None, help="the Rasa server (default http://127.0.0.1:5005)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = WidgetSettings.from_env(host=args.host, port=args.port, rasa_url=args.rasa_url)
    except SettingsError as error:
        print(f"python -m bot.widget: {error}", file=sys.stderr)
        return 2
    try:
        serve(settings)
    except OSError as error:
        print(
            f"python -m bot.widget: cannot listen on {settings.host}:{settings.port}: {error}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
