"""``python -m forecast``: the same as the ``forecast`` command."""

from forecast.cli import main

if __name__ == "__main__":
    main()
