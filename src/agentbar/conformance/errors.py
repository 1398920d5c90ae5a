"""The one error the kit reports as bad input (exit status 2): something the developer gave it
(a URL, a port, a journey file) that it cannot work with."""

from __future__ import annotations


class BadInput(Exception):
    """What is wrong and where, in one line, for the terminal."""
