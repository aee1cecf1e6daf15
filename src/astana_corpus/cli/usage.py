"""The argument parser: a usage mistake is a coded error like every other one.

argparse's own ``error`` prints a bare ``astana: error: ...`` and exits 2; here the
message carries A206, names the command and says where its options are listed.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from astana_corpus.core.errors import error


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose usage errors are ``[A206] ...`` (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        exc = error("A206", command=self.prog, problem=message)
        self.exit(2, f"{exc}\n")
