"""The one error of a server that cannot start as configured: said in a sentence, no trace."""

from __future__ import annotations


class ConfigurationError(Exception):
    pass
