"""``python -m sscard.testing.personalise_child <command> …``: the command line of
:mod:`sscard.testing.personalisation`, in a process of its own (Django is set up first)."""

from __future__ import annotations

import os
import sys


def run() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from sscard.testing.personalisation import main

    main(sys.argv[1:])


if __name__ == "__main__":
    run()
