"""The error catalogue: codes are stable, documented, and each is raised by some test."""

from __future__ import annotations

import re

import pytest

from astana_corpus.core.errors import CATALOGUE, AstanaError, catalogue_markdown, error
from tests.conftest import RAISED_CODES, ROOT, SKIPPED


def test_codes_are_well_formed_and_messages_build():
    before = set(RAISED_CODES)  # building them here does not count as raising them
    for code, spec in CATALOGUE.items():
        assert re.fullmatch(r"A[1-9]\d\d", code), code
        assert issubclass(spec.kind, AstanaError)
        fields = set(re.findall(r"\{(\w+)", spec.template + spec.fix))
        exc = error(code, **dict.fromkeys(fields, 0))
        assert str(exc).startswith(f"[{code}] ") and exc.code == code
    RAISED_CODES.intersection_update(before)


def test_readme_lists_every_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- BEGIN GENERATED: error-codes -->")[1].split("<!-- END")[0]
    assert section.strip() == catalogue_markdown().strip(), "paste `astana errors` into README"


@pytest.mark.after_everything
def test_every_code_is_raised_by_at_least_one_test(request):
    if not request.config.astana_whole_suite:
        pytest.skip("only meaningful when the whole suite runs")
    if SKIPPED:
        pytest.skip(f"LOUD SKIP: {len(SKIPPED)} tests were skipped (e.g. {SKIPPED[0]})")
    missing = sorted(set(CATALOGUE) - RAISED_CODES)
    assert not missing, f"no test raises {missing}"
