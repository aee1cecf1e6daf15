"""astana-corpus: an annotated Arabic news corpus on the Astana talks on Syria."""

__version__ = "1.0.0"
