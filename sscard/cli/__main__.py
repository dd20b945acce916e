"""``python -m sscard.cli`` — the same as the ``sscard`` command."""

from sscard.cli import main

if __name__ == "__main__":
    main()
