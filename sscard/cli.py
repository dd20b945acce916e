"""The ``sscard`` command (placeholder until the CLI lands)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sscard", *sys.argv[1:]])
