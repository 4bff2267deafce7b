"""``python -m bot.finance`` – see :mod:`bot.finance.cli`."""

from bot.finance.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
