"""The project layout: every file and folder the commands read or write, relative to the root.

One place, so a command, a test and the README name the same paths. Inputs
(``articles/raw``, Doccano exports) are never edited by code; committed
artefacts change only through commands; ``build/`` and ``dist/`` are generated
and git-ignored; ``release/`` is a committed dataset folder (``astana build --out release``).
"""

from __future__ import annotations

from pathlib import Path

# Inputs and committed artefacts.
RAW_DIR = Path("articles/raw")
METADATA_FILE = Path("articles/articles.yaml")
SCHEMA_FILE = Path("annotations/schema.yaml")
GUIDELINES_FILE = Path("annotations/guidelines.md")
GAZETTEER_FILE = Path("annotations/gazetteer.yaml")
# Entries generated from CLDR and GeoNames (scripts/generate_gazetteer.py); committed.
GENERATED_GAZETTEER_FILE = Path("annotations/gazetteer.generated.yaml")
EXPORT_DIR = Path("annotations/doccano")
REVIEW_DIR = Path("annotations/review")
RESOLUTIONS_DIR = Path("annotations/resolutions")
GOLD_FILE = Path("annotations/gold.jsonl")
SPLITS_DIR = Path("splits")
CARD_FILE = Path("dataset_card.md")
LICENSE_FILE = Path("LICENSE")  # copied into the dataset folder (front matter license_link)
CHANGELOG_FILE = Path("CHANGELOG.md")
# The committed release: the dataset folder of the current version, loadable after a clone.
RELEASE_DIR = Path("release")
RESULTS_DIR = Path("results")
# In-sample pre-annotation scores against gold, as the card shows them (`astana
# preannotate --evaluate` writes it, with the fingerprint of the data it scored).
PREANNOTATION_RESULT = RESULTS_DIR / "preannotation.json"
CONFIGS_DIR = Path("configs")
# The figures of `astana stats` for the committed data (the card embeds them; `astana
# build` copies them into the dataset folder's IMAGES_DIR).
FIGURES_DIR = Path("docs/figures")
IMAGES_DIR = "images"
DOCCANO_CONSTRAINTS = Path("scripts/doccano-constraints.txt")

# Generated stage outputs (git-ignored).
BUILD_DIR = Path("build")
DOCUMENTS_FILE = BUILD_DIR / "documents.jsonl"
# The input key of DOCUMENTS_FILE: it is reused only while this matches (see pipeline).
DOCUMENTS_KEY_FILE = BUILD_DIR / "documents.key.json"
# Near-duplicate sketches of the documents file, with the key they are current under.
SKETCHES_DIR = BUILD_DIR / "sketches"
# The checked entries of articles.yaml, reused while its bytes are unchanged (YAML is slow
# to load at archive scale; see ingest.sources.read_metadata).
METADATA_CACHE_FILE = BUILD_DIR / "articles.cache.json"
# Seconds and counts of each stage of the last `astana build` (what benchmarks read).
BUILD_STATS_FILE = BUILD_DIR / "build.stats.json"
PREANNOTATIONS_FILE = BUILD_DIR / "preannotations.jsonl"
SPACY_DIR = BUILD_DIR / "spacy"
BASELINES_DIR = BUILD_DIR / "baselines"
VIEW_FILE = BUILD_DIR / "gold.html"
OUT_DIR = Path("dist/astana-corpus")
