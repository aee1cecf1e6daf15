"""astana-corpus: an annotated Arabic news corpus on the Astana talks on Syria."""

__version__ = "0.1.0"
