"""The `astana` command line (``main``) and how it renders results (``render``)."""

from astana_corpus.cli.main import main

__all__ = ["main"]
