"""The web chat page: a local page that embeds the vendored rasa-webchat widget.

* :mod:`bot.widget.server` — the aiohttp app that serves the page (``python -m bot.widget serve``).
* :mod:`bot.widget.channel` — the socket.io channel on the Rasa server that the page talks to.
* ``build.sh`` — vendors the widget from the npm registry (``npm ci`` from the committed lock
  file) into ``build/widget/``; nothing is fetched from a CDN when the page runs.
"""
