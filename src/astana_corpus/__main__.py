"""`python -m astana_corpus` runs the `astana` command."""

import sys

from astana_corpus.cli import main

if __name__ == "__main__":
    sys.exit(main())
