"""Shared helpers for the zoo's Python apps: the port comes from $ZOO_PORT (zoo/targets.sh picks
a free one), everything binds 127.0.0.1 only."""
import os

HOST = "127.0.0.1"


def port() -> int:
    return int(os.environ["ZOO_PORT"])
