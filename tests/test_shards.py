"""The shards job: raw, JSONL and Parquet shards → cleaned documents, suggestions and
near-duplicate groups, the same on the local engine and on Ray Data."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from astana_corpus import pipeline
from astana_corpus.core.errors import AstanaError
from astana_corpus.dataset.shards import output_groups, read_output
from tests.conftest import ROOT

# Three short stories (one line per paragraph) and a copy of the second with one more line.
TALKS = "انطلقت في أستانة جولة جديدة من المحادثات حول سوريا.\nوقال الوفد الروسي إن الجولة ناجحة."
TRUCE = (
    "أعلنت روسيا وتركيا وإيران اتفاقًا على مناطق خفض التصعيد في إدلب، يوم الأحد.\n"
    "وشدد البيان على إطلاق سراح المعتقلين؛ وعلى إيصال المساعدات إلى الغوطة الشرقية.\n"
    "ورحب المبعوث الأممي بالاتفاق، وقال إن الخطوة التالية مؤتمر في جنيف.\n"
    "وتعقد الجولة المقبلة في العاصمة الكازاخية بعد شهرين، بحضور الدول الضامنة."
)
AID = "وصلت قافلة مساعدات إلى دير الزور؟ نعم، وصلت 30 شاحنة بحسب الهلال الأحمر."


@pytest.fixture()
def project(tmp_path):
    """A project root (schema, gazetteer) and a folder of shards of every kind."""
    for name in ("annotations",):
        shutil.copytree(ROOT / name, tmp_path / name)
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "talks.txt").write_text(TALKS + "\n", encoding="utf-8")
    lines = [{"id": "truce", "text": TRUCE}, {"id": "truce-copy", "text": TRUCE + "\nانتهى."}]
    (shards / "wire.jsonl").write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8"
    )
    pq.write_table(pa.table({"id": ["aid"], "text": [AID]}), shards / "aid.parquet")
    return tmp_path


def test_local_engine_cleans_annotates_and_groups(project):
    out = project / "out"
    assert pipeline.process_shards(project, inputs=[project / "shards"], out_dir=out) == 4
    rows = {r["id"]: r for r in read_output(out)}
    assert sorted(rows) == ["aid", "talks", "truce", "truce-copy"]
    assert rows["talks"]["text"] == TALKS  # two kept lines joined by \n
    paragraphs = rows["truce"]["document"]["paragraphs"]
    assert [(p["start"], p["end"]) for p in paragraphs][1][0] == len(TRUCE.split("\n")[0]) + 1
    talks = rows["talks"]["suggestions"][0]
    start = len("انطلقت في ")
    assert [start, start + len("أستانة"), "GPE"] in talks["entities"]
    groups, pairs = output_groups(out)
    assert groups["truce-copy"] == "truce" and groups["aid"] == "aid"
    assert [(p[0], p[1]) for p in pairs] == [("truce", "truce-copy")]


def test_an_unsupported_file_is_refused(project):
    (project / "shards" / "notes.docx").write_bytes(b"PK")
    with pytest.raises(AstanaError) as exc:
        pipeline.process_shards(
            project, inputs=[project / "shards" / "notes.docx"], out_dir=project / "out"
        )
    assert exc.value.code == "A140"


def test_a_record_without_text_names_its_line(project):
    (project / "shards" / "wire.jsonl").write_text('{"id": "x", "body": "نص"}\n')
    with pytest.raises(AstanaError) as exc:
        pipeline.process_shards(project, inputs=[project / "shards"], out_dir=project / "out")
    assert exc.value.code == "A141" and "wire.jsonl:1" in str(exc.value)
    assert not (project / "out").exists()  # nothing partial


def test_ray_engine_without_ray_is_a_coded_error(project, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(AstanaError) as exc:
        pipeline.process_shards(
            project, inputs=[project / "shards"], out_dir=project / "out", engine="ray"
        )
    assert exc.value.code == "A720"


@pytest.mark.ray
def test_ray_engine_gives_the_local_engine_outputs(project):
    if importlib.util.find_spec("ray") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ray is not installed: CI must run the Ray engine (pip install .[ray])")
        pytest.skip("RAY ENGINE NOT TESTED: ray is not installed (pip install -e '.[ray]')")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        local, distributed = project / "local", project / "ray"
        pipeline.process_shards(project, inputs=[project / "shards"], out_dir=local)
        count = pipeline.process_shards(
            project, inputs=[project / "shards"], out_dir=distributed, engine="ray"
        )
    finally:
        ray.shutdown()
    assert count == 4
    assert read_output(distributed) == read_output(local)
    assert output_groups(distributed) == output_groups(local)
