"""The one family of errors trajlens raises for bad input or unwritable output.

Every message names the argument or file that was wrong and says what was expected, so
that the command line can print it as a single line with no traceback.
"""

from __future__ import annotations


class TrajlensError(Exception):
    """Base class of every error trajlens raises on purpose."""


class InputError(TrajlensError, ValueError):
    """An argument, file or its contents is not what was expected."""


class OutputError(TrajlensError, OSError):
    """An output cannot be written where it was asked for."""
