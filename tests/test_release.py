"""The committed release folder: current, loadable, Hub-conventional, and versioned.

A user who clones the repository gets the data without building it:
``datasets.load_dataset("release")``. These tests prove the folder is what a fresh
``astana build`` writes today, that its card parses as Hugging Face metadata, that its
code blocks run, and that every place naming the version agrees.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import astana_corpus
from astana_corpus import pipeline

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "release"
SPLITS = ["train", "validation", "test"]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh") / "astana-corpus"
    pipeline.build(ROOT, out_dir=out)
    return out


def test_release_equals_a_fresh_build(fresh: Path) -> None:
    committed, built = _files(RELEASE), _files(fresh)
    assert sorted(committed) == sorted(built), "run `astana build --out release` and commit"
    stale = [name for name in built if committed[name] != built[name]]
    assert not stale, f"stale in release/: {stale}; run `astana build --out release`"


@pytest.mark.parametrize("config", ["documents", "paragraphs", "tokens"])
def test_release_loads_with_hub_split_names(config: str) -> None:
    from datasets import load_dataset

    data = load_dataset(str(RELEASE), config)
    assert list(data) == SPLITS
    validation = load_dataset(str(RELEASE), config, split="validation")
    assert validation.num_rows == data["validation"].num_rows > 0


def _card_text() -> str:
    return (RELEASE / "README.md").read_text(encoding="utf-8")


def test_card_metadata_parses_with_huggingface_hub() -> None:
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(RELEASE / "README.md")
    meta = card.data.to_dict()
    assert meta["license"] == "other"
    assert meta["license_link"] == "LICENSE"
    assert (RELEASE / meta["license_link"]).is_file()
    assert meta["language"] == ["ar"]
    assert [c["config_name"] for c in meta["configs"]] == ["documents", "paragraphs", "tokens"]
    for config in meta["configs"]:
        assert [f["split"] for f in config["data_files"]] == SPLITS
        for data_file in config["data_files"]:
            assert (RELEASE / data_file["path"]).is_file()


@pytest.mark.parametrize(
    "heading",
    [
        "## Dataset Description",
        "## Dataset Summary",
        "## Uses",
        "### Direct use",
        "### Out-of-scope use",
        "## Dataset Structure",
        "## Dataset Creation",
        "## Considerations for Using the Data",
        "### Dataset Curators",
        "### Licensing",
        "### Citation",
    ],
)
def test_card_has_the_standard_section(heading: str) -> None:
    assert re.search(rf"^{re.escape(heading)}$", _card_text(), re.MULTILINE), heading


def test_card_names_point_of_contact_and_takedown() -> None:
    text = _card_text()
    assert "**Point of contact**: the repository's issue tracker" in text
    assert "**Takedown**" in text


def test_card_opens_with_the_summary_not_maintainer_notes() -> None:
    body = _card_text().split("\n---\n", 1)[1]
    visible = re.sub(r"<!--.*?-->", "", body, flags=re.DOTALL)
    first_lines = [line for line in visible.splitlines() if line.strip()][:3]
    assert first_lines[0] == "# Dataset Card for astana-corpus"
    assert first_lines[1].startswith(f"**Version {astana_corpus.__version__}**")
    assert "astana card" not in " ".join(first_lines)


def test_card_code_blocks_run() -> None:
    """Every ```python block of the card, run as a user would, from a clone's root."""
    blocks = re.findall(r"```python\n(.*?)```", _card_text(), re.DOTALL)
    assert blocks, "the card has no python example"
    for block in blocks:
        done = subprocess.run(
            [sys.executable, "-c", block],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"},
            timeout=300,
        )
        assert done.returncode == 0, f"{block}\n{done.stderr[-2000:]}"


def test_card_json_examples_are_valid_json_lines() -> None:
    import json

    for block in re.findall(r"```jsonl\n(.*?)```", _card_text(), re.DOTALL):
        for line in block.splitlines():
            json.loads(line)


def test_versions_agree() -> None:
    version = astana_corpus.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # An "[Unreleased]" section may sit on top (Keep a Changelog); the newest release
    # must be this version.
    newest = re.search(r"^## \[(?P<v>\d[^\]]*)\]", changelog, re.MULTILINE)
    assert newest and newest["v"] == version, "CHANGELOG.md's newest release is not __version__"
    assert f"**Version {version}**" in (ROOT / "dataset_card.md").read_text(encoding="utf-8")
    assert f"**Version {version}**" in _card_text()
    shown = subprocess.run(
        [sys.executable, "-m", "astana_corpus", "--version"], capture_output=True, text=True
    )
    assert shown.stdout.strip() == f"astana-corpus {version}"


def test_readme_just_the_data_block_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Just the data", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    done = subprocess.run(
        [sys.executable, "-c", block + "\nassert validation.num_rows > 0\n"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
