"""``python -m mode.worker``: the ``mode`` command (see ``mode --help``)."""

from mode.worker._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
