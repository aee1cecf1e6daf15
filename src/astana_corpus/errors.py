"""Exceptions that tell the caller what went wrong, where, and what to do.

Every message names the place (file[:line] or document id + offset), the
problem, and the fix. The CLI prints the message and exits non-zero.
"""

from __future__ import annotations


class AstanaError(Exception):
    """Base class of every error the project raises on purpose."""

    exit_code = 1


class InputFormatError(AstanaError):
    """An input file (raw article, metadata, export) cannot be read as given."""


class ConfigError(AstanaError):
    """A configuration or metadata file is inconsistent with what is on disk."""


class ValidationError(AstanaError):
    """Annotations or splits break an invariant the dataset promises."""


class DoccanoError(AstanaError):
    """The Doccano server or its data is not in the state the command needs."""
