"""Near-duplicate grouping: the matching view, LSH recall at the threshold, exact
verification, and partial syndicated copies grouped into one split."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astana_corpus.core.arabic import match_key
from astana_corpus.core.errors import AstanaError
from astana_corpus.dataset import near_duplicates as nd
from astana_corpus.dataset.near_duplicates import (
    Settings,
    Sketch,
    band_keys,
    bins,
    colliding_pairs,
    exact_sets,
    find_near_duplicates,
    lsh_candidates,
    paragraph_fingerprints,
    shingle_hashes,
    signatures,
    sketch_texts,
    view_text,
    views,
)
from astana_corpus.dataset.splits import (
    SplitConfig,
    compute_splits,
    manifest,
    read_config,
    shingles,
    write_splits,
)

# Our own words, recombined into articles (no third-party text).
TEXT = (
    "وصل الوفد الروسي إلى أستانة صباح اليوم للمشاركة في جولة جديدة من المحادثات حول "
    "مناطق خفض التصعيد وقالت مصادر مطلعة إن الاجتماع سيبحث ملف المعتقلين والمفقودين "
    "وأكد المبعوث الأممي أن الهدنة صامدة رغم خروقات متفرقة في ريف إدلب الجنوبي وأعلنت "
    "الدول الضامنة تركيا وروسيا وإيران بيانا ختاميا يدعو إلى وقف إطلاق النار وتسهيل "
    "دخول المساعدات الإنسانية إلى الغوطة الشرقية وحمص وحلب والرقة ودير الزور ودرعا"
)
WORDS = TEXT.split()


# Made-up words of Arabic letters: with a vocabulary this large, unrelated articles share
# ~10% of their shingles, as real articles on one topic do (10-37%).
_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوية"
_RNG = random.Random(0)
VOCABULARY = WORDS + [
    "".join(_RNG.choice(_LETTERS) for _ in range(_RNG.randint(3, 7))) for _ in range(3000)
]


def paragraph(rng: random.Random, words: int = 70) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


def jaccard_containment(a: str, b: str) -> tuple[float, float]:
    """Independent of the code under test: Python sets of shingle strings."""
    sa, sb = shingles(a), shingles(b)
    common = len(sa & sb)
    return common / len(sa | sb), common / min(len(sa), len(sb))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="اأإآبةتىيـ\u064e\u0651\u200c \n\t،؟sSß😀", max_size=40), max_size=5)
)
def test_vectorised_view_equals_match_key(texts):
    v = views(texts)
    assert [view_text(v, d) for d in range(len(texts))] == [match_key(t) for t in texts]


def test_paragraph_fingerprints_equal_exactly_when_views_are_equal():
    texts = [
        "قال الوفد إن الجولة المقبلة ستعقد في أستانة بعد أسبوعين من الآن\nسطر قصير",
        "سطر آخر\nقال الوفدُ انّ الجولة المقبلـة ستعقد في استانة بعد أسبوعين من الآن",
        "قال الوفد إن الجولة المقبلة ستعقد في أستانة بعد ثلاثة أسابيع من الآن",
    ]
    keys = dict(paragraph_fingerprints(texts, min_chars=40))
    assert [len(keys[d]) for d in range(3)] == [1, 1, 1]  # the short lines are left out
    # Diacritics, tatweel and hamza on alef fold away in the matching view; other words do not.
    assert match_key(texts[0].split("\n")[0]) == match_key(texts[1].split("\n")[1])
    assert keys[0][0] == keys[1][0] != keys[2][0]


def test_paragraph_shingles_are_those_of_each_line():
    rng = random.Random(5)
    texts = ["\n".join(paragraph(rng, 12) for _ in range(3)) for _ in range(4)]
    sh = shingle_hashes(views(texts))
    offsets = sh.para_offsets.astype(int)
    lines = [line for t in texts for line in t.split("\n")]
    assert len(lines) == len(sh.para_doc)
    for p, line in enumerate(lines):
        found = set(sh.para_hashes[offsets[p] : offsets[p + 1]].tolist())
        assert len(found) == len(shingles(line))


def test_band_choice_gives_recall_099_at_the_threshold():
    s = Settings()
    assert s.bands * s.rows <= s.num_perm
    # 1 - (1 - 0.8**6)**21, worked by hand: 0.8**6 = 0.262144, 0.737856**21 = 0.00167.
    assert pytest.approx(0.99833, abs=1e-4) == 1 - (1 - 0.8**6) ** 21
    assert 1 - (1 - s.jaccard**s.rows) ** s.bands >= 0.99
    # The brief's old 9 x 13 found a pair at 0.8 only ~40% of the time.
    assert pytest.approx(0.405, abs=0.01) == 1 - (1 - 0.8**13) ** 9


def test_lsh_finds_99_percent_of_pairs_at_exactly_the_threshold():
    """200 constructed pairs of hash sets with Jaccard exactly 0.8 (400 shared of 450
    each: 400 / 500), seeded; the settings of both indexes (documents, paragraphs)."""
    s = Settings()
    gen = np.random.default_rng(11)
    sets, pairs = [], []
    for _ in range(200):
        values = gen.integers(0, 2**63, size=500, dtype=np.uint64)
        a = np.concatenate((values[:400], values[400:450]))
        b = np.concatenate((values[:400], values[450:500]))
        assert len(np.intersect1d(a, b)) / len(np.union1d(a, b)) == 0.8
        pairs.append((len(sets), len(sets) + 1))
        sets += [a, b]
    found = lsh_candidates(sets, num_perm=s.num_perm, bands=s.bands, rows=s.rows)
    assert sum(p in found for p in pairs) >= 198


def test_grouping_matches_the_exact_rule_on_constructed_copies():
    """Copies that keep k of 10 paragraphs (each with one word changed, so no paragraph is
    identical) and add new ones: grouped exactly when the independently computed
    Jaccard >= 0.8 or containment >= 0.7; unrelated articles never."""
    rng = random.Random(3)
    texts, expected = {}, {}
    for n in range(100):
        source = [paragraph(rng) for _ in range(10)]
        kept = rng.sample(range(10), rng.randint(4, 9))
        copy = []
        for i in sorted(kept):
            words = source[i].split()
            words[rng.randrange(len(words))] = "تحديث"
            copy.append(" ".join(words))
        copy += [paragraph(rng) for _ in range(rng.randint(0, 3))]
        a, b = f"s-{n:03d}a", f"s-{n:03d}b"
        texts[a], texts[b] = "\n".join(source), "\n".join(copy)
        j, c = jaccard_containment(texts[a], texts[b])
        expected[(a, b)] = j >= 0.8 or c >= 0.7
    groups, pairs, _, _ = find_near_duplicates(texts, Settings())
    grouped = {(a, b): groups[a] == groups[b] for a, b in expected}
    assert sum(expected.values()) >= 30 and sum(not v for v in expected.values()) >= 10
    missed = [p for p, want in expected.items() if want and not grouped[p]]
    assert len(missed) <= 0.01 * sum(expected.values())
    assert [p for p, want in expected.items() if grouped[p] and not want] == []
    assert all(p.a[:5] == p.b[:5] for p in pairs)  # no pair across constructed stories


SOURCE = [
    "وصل وفد المعارضة السورية إلى العاصمة الكازاخية صباح الأحد للمشاركة في الجولة الثامنة",
    "وقال رئيس الوفد في تصريح مقتضب إن الأولوية هذه المرة لملف المعتقلين والمخطوفين لدى الطرفين",
    "وأضاف أن الوفد يحمل قوائم بأسماء آلاف المفقودين ويطالب بالكشف عن مصيرهم قبل أي خطوة أخرى",
    "من جهتها أعلنت الخارجية الكازاخية أن الجلسات ستبدأ يوم غد الاثنين وتستمر يومين متتاليين",
    "وتشارك في الاجتماعات وفود الدول الضامنة الثلاث إلى جانب مراقبين من الأردن والأمم المتحدة",
    "ويتوقع مراقبون أن يناقش المجتمعون توسيع مناطق خفض التصعيد لتشمل أرياف حماة الشمالية",
    "وشهدت الأسابيع الماضية تصعيدا ميدانيا في الغوطة الشرقية أدى إلى سقوط عشرات الضحايا المدنيين",
    "ودعت منظمات إنسانية الأطراف كافة إلى فتح ممرات آمنة لإدخال الغذاء والدواء إلى المحاصرين",
    "وكانت الجولة السابقة قد انتهت بالاتفاق على تشكيل فريق عمل مشترك لمتابعة ملف الأسرى",
    "ومن المنتظر أن يصدر بيان ختامي مساء الثلاثاء يحدد موعد الجولة المقبلة ومكان انعقادها",
]


def test_partial_syndicated_copy_joins_its_source():
    """A copy keeping 6 of 10 paragraphs plus 2 of its own: low Jaccard, high containment."""
    copy = [SOURCE[i] for i in (0, 1, 3, 4, 6, 9)] + [
        "وأفاد مراسلنا بأن إجراءات أمنية مشددة فرضت حول الفندق الذي يستضيف المحادثات",
        "ولم يصدر أي تعليق رسمي من دمشق على جدول الأعمال حتى ساعة إعداد هذا التقرير",
    ]
    unrelated = [
        "افتتح معرض الكتاب في مدينة حلب أبوابه للزوار بمشاركة عشرات دور النشر المحلية",
        "وقال منظمو المعرض إن الإقبال فاق التوقعات في اليوم الأول رغم برودة الطقس الشديدة",
    ]
    texts = {
        "astana-0010": "\n".join(SOURCE),
        "astana-0011": "\n".join(unrelated),
        "astana-0012": "\n".join(copy),
    }
    jaccard, containment = jaccard_containment(texts["astana-0010"], texts["astana-0012"])
    assert jaccard < 0.8 and containment >= 0.7  # what Jaccard alone missed
    result = compute_splits(texts, SplitConfig())
    assert result.groups["astana-0012"] == "astana-0010"
    assert result.groups["astana-0011"] == "astana-0011"
    assert result.assignment["astana-0012"] == result.assignment["astana-0010"]
    (pair,) = result.near_duplicates
    assert (pair.a, pair.b, pair.rule) == ("astana-0010", "astana-0012", "containment")
    assert pair.jaccard == pytest.approx(jaccard, abs=1e-4)


def test_one_shared_long_paragraph_groups_two_articles():
    shared = SOURCE[2]
    texts = {
        "astana-0020": "\n".join([*SOURCE[5:8], shared]),
        "astana-0021": "\n".join(
            [shared, "افتتح معرض الكتاب في مدينة حلب أبوابه للزوار بمشاركة دور النشر"]
        ),
    }
    jaccard, containment = jaccard_containment(*texts.values())
    assert jaccard < 0.8 and containment < 0.7
    result = compute_splits(texts, SplitConfig())
    assert result.groups["astana-0021"] == "astana-0020"
    assert [p.rule for p in result.near_duplicates] == ["paragraph"]


def test_manifest_records_the_thresholds_and_old_manifests_get_defaults(tmp_path):
    result = compute_splits({"astana-0001": "\n".join(SOURCE)}, SplitConfig(containment=0.75))
    write_splits(tmp_path, result)
    data = json.loads((tmp_path / "splits/manifest.json").read_text(encoding="utf-8"))
    assert data["containment_threshold"] == 0.75
    assert (data["min_paragraph_chars"], data["lsh_bands"], data["lsh_rows"]) == (40, 21, 6)
    assert data["max_paragraph_documents"] == 3
    assert data["boilerplate_paragraphs"] == {"count": 0, "most_widespread": []}
    assert read_config(tmp_path).containment == 0.75
    keys = ("containment_threshold", "min_paragraph_chars", "lsh_bands", "lsh_rows")
    for key in (*keys, "max_paragraph_documents"):
        del data[key]
    (tmp_path / "splits/manifest.json").write_text(json.dumps(data), encoding="utf-8")
    old = read_config(tmp_path)
    assert (old.containment, old.min_paragraph_chars, old.bands, old.rows) == (0.7, 40, 21, 6)
    assert old.max_paragraph_documents == 3


@pytest.mark.parametrize(
    "change",
    [
        {"containment_threshold": 0},
        {"containment_threshold": "0.7"},
        {"min_paragraph_chars": 3},
        {"lsh_bands": 30},
        {"lsh_rows": 0},
        {"lsh_bands": 2.5},
        {"max_paragraph_documents": 1},
        {"max_paragraph_documents": 3.0},
        {"max_paragraph_documents": None},
    ],
)
def test_bad_thresholds_in_the_manifest_are_refused(tmp_path, change):
    data = manifest(compute_splits({"astana-0001": SOURCE[0]}, SplitConfig()))
    data.update(change)
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits/manifest.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(AstanaError) as info:
        read_config(tmp_path)
    assert info.value.code == "A505"


# A stock sentence of reports on the talks (our own wording), 65 characters.
STOCK = "وتعقد المحادثات بمشاركة روسيا وتركيا وإيران بصفتها الدول الضامنة."


def expected_groups(texts: dict[str, str], cap: int) -> dict[str, str]:
    """The grouping rule computed with Python sets and strings only: pairs at Jaccard
    >= 0.8 or containment >= 0.7, or sharing a line of >= 40 characters of matching view
    that at most ``cap`` documents contain; union-find, smallest id as the key."""
    lines = {
        d: {match_key(line) for line in t.split("\n") if len(match_key(line)) >= 40}
        for d, t in texts.items()
    }
    holders: dict[str, set[str]] = {}
    for d, found in lines.items():
        for line in found:
            holders.setdefault(line, set()).add(d)
    key = {d: d for d in texts}

    def root(d: str) -> str:
        while key[d] != d:
            d = key[d]
        return d

    ids = sorted(texts)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            j, c = jaccard_containment(texts[a], texts[b])
            shared = any(len(holders[line]) <= cap for line in lines[a] & lines[b])
            if j >= 0.8 or c >= 0.7 or shared:
                ra, rb = root(a), root(b)
                key[max(ra, rb)] = min(ra, rb)
    return {d: root(d) for d in ids}


def test_one_stock_sentence_does_not_chain_unrelated_articles():
    """The reviewer's repro: 40 unrelated articles, each with the same stock sentence,
    were one group of 780 "paragraph" pairs, all in train."""
    rng = random.Random(11)
    texts = {
        f"astana-{n:04d}": "\n".join([paragraph(rng), STOCK, paragraph(rng)]) for n in range(40)
    }
    want = expected_groups(texts, cap=3)
    assert len(set(want.values())) == 40  # the independent rule: 40 singletons
    result = compute_splits(texts, SplitConfig())
    assert result.groups == want
    assert result.near_duplicates == []
    assert result.boilerplate_count == 1
    (stock,) = result.boilerplate
    assert (stock.documents, stock.text) == (40, match_key(STOCK))
    assert stock.ids == ("astana-0000", "astana-0001", "astana-0002")
    assert len(set(result.assignment.values())) == 3  # no longer all in train
    recorded = manifest(result)["boilerplate_paragraphs"]
    assert recorded["count"] == 1 and recorded["most_widespread"][0]["documents"] == 40


@pytest.mark.parametrize(("holders", "grouped"), [(2, True), (3, True), (4, False)])
def test_a_shared_paragraph_groups_up_to_the_cap(holders, grouped):
    rng = random.Random(holders)
    texts = {
        f"astana-{n:04d}": "\n".join([paragraph(rng), SOURCE[2], paragraph(rng)])
        for n in range(holders)
    }
    want = expected_groups(texts, cap=3)
    assert (len(set(want.values())) == 1) is grouped
    result = compute_splits(texts, SplitConfig())
    assert result.groups == want
    assert result.boilerplate_count == (0 if grouped else 1)
    assert {p.rule for p in result.near_duplicates} == ({"paragraph"} if grouped else set())


def test_a_larger_cap_from_the_manifest_groups_more():
    rng = random.Random(5)
    texts = {f"astana-{n:04d}": "\n".join([paragraph(rng), STOCK]) for n in range(5)}
    result = compute_splits(texts, SplitConfig(max_paragraph_documents=5))
    assert set(result.groups.values()) == {"astana-0000"}
    assert result.groups == expected_groups(texts, cap=5)


def test_a_key_run_above_the_cap_gives_linear_pairs():
    """10,000 sets sharing one band key: all pairs would be ~50M; a star is 9,999."""
    keys = np.zeros(10_000, dtype=np.uint64)
    owner = np.arange(10_000)
    pairs = colliding_pairs(keys, owner, max_run=3)
    assert pairs.shape == (9_999, 2)
    assert set(pairs[:, 0].tolist()) == {0}
    small = colliding_pairs(keys[:3], owner[:3], max_run=3)
    assert sorted(map(tuple, small.tolist())) == [(0, 1), (0, 2), (1, 2)]


def test_document_bins_are_the_minimum_of_its_paragraphs_and_boundary_shingles():
    """sketch_texts hashes each paragraph once and takes a document's MinHash bins as the
    minimum of its paragraphs' and of the shingles across their boundaries; computed from
    scratch over every shingle of the whole view, the signature is the same."""
    rng = random.Random(8)
    texts = ["\n".join(paragraph(rng, rng.randint(3, 40)) for _ in range(rng.randint(1, 6)))]
    texts += ["قال\n\nالوفد  إنّ الجولة\t\nستعقد", "أ", ""]  # short lines, short views
    s = Settings()
    sh = shingle_hashes(views(texts))
    whole = signatures(sh.doc_hashes, sh.doc_offsets, s.num_perm)
    assert len(sh.cross_hashes) > 0
    combined = sketch_texts(texts, s)
    assert (combined.doc_bands == band_keys(whole, bands=s.bands, rows=s.rows)).all()
    # ... and the shingle set of the whole view is that of Python strings.
    sets = exact_sets(texts)
    assert [len(x) for x in sets] == [len(shingles(t)) for t in texts]


def test_union_of_bins_is_the_minimum_of_bins():
    gen = np.random.default_rng(4)
    a, b = (gen.integers(0, 2**63, size=n, dtype=np.uint64) for n in (300, 40))
    one = np.zeros(1, dtype=np.int64)
    union = bins(np.concatenate((a, b)), np.zeros(340, dtype=np.int64), 1, 128)
    parts = np.minimum(bins(a, np.repeat(one, 300), 1, 128), bins(b, np.repeat(one, 40), 1, 128))
    assert (union == parts).all()
    assert (bins(a, np.repeat(one, 300), 1, 128) != bins(b, np.repeat(one, 40), 1, 128)).any()


def _store_of(tmp_path, sketch: Sketch) -> nd.SketchStore:
    store = nd.SketchStore(tmp_path, 1)
    store.add(sketch, ["a", "b", "c"])
    store.close()
    return store


def test_a_band_collision_whose_sketches_disagree_is_not_a_candidate(tmp_path):
    """Three documents share one band key; document 1's filter sketch agrees with
    document 0's on 24 of 64 slots (0.375 < 0.8 - FILTER_MARGIN), document 2's on 54
    (0.84): only the pairs with 2 pass ``_candidates``."""
    docs = np.zeros((3, 64), dtype=np.uint8)
    docs[1, :40] = 1
    docs[2, :10] = 1
    none = np.zeros((1, 0), dtype=np.uint64)
    sketch = Sketch(
        doc_bands=np.zeros((1, 3), dtype=np.uint64),
        doc_filter=docs,
        para_bands=none,
        para_filter=np.zeros((0, 64), dtype=np.uint8),
        para_doc=np.zeros(0, dtype=np.int64),
        para_keys=np.zeros(0, dtype=np.uint64),
        doc_sig=np.zeros((3, 128), dtype=np.uint32),
        doc_size=np.ones(3, dtype=np.int64),
    )
    store = _store_of(tmp_path, sketch)
    rank, live = np.arange(3), np.ones(3, dtype=bool)
    settings = Settings(bands=1)
    found = nd._candidates(
        store, rank, live, np.zeros(0, dtype=np.int64), np.zeros(0, bool), settings
    )
    assert sorted((int(c) // 3, int(c) % 3) for c in found) == [(0, 2), (1, 2)]
    docs[1] = docs[0]  # now all three agree
    store = _store_of(tmp_path, sketch)
    found = nd._candidates(
        store, rank, live, np.zeros(0, dtype=np.int64), np.zeros(0, bool), settings
    )
    assert len(found) == 3


def test_documents_sharing_only_similar_paragraphs_are_screened_before_verification(
    monkeypatch,
):
    """B keeps 3 of A's 10 paragraphs, each with one word changed, and adds 7 of its own:
    the paragraph index makes the pair a candidate, but its whole signatures estimate a
    Jaccard far below what either rule needs, so its texts are never read for
    verification. With the screen opened (a margin of 1) the same pair is verified."""
    rng = random.Random(5)
    source = [paragraph(rng) for _ in range(10)]
    copy = []
    for i in (1, 4, 7):
        words = source[i].split()
        words[rng.randrange(len(words))] = "تحديث"
        copy.append(" ".join(words))
    copy += [paragraph(rng) for _ in range(7)]
    texts = {"astana-0030": "\n".join(source), "astana-0031": "\n".join(copy)}
    jaccard, containment = jaccard_containment(*texts.values())
    assert jaccard < 0.3 and containment < 0.4
    verified = []
    real_verify = nd._verify

    def spy(text_of, ids, candidates, *rest):
        verified.append(candidates.tolist())
        return real_verify(text_of, ids, candidates, *rest)

    monkeypatch.setattr(nd, "_verify", spy)
    groups, pairs, _, _ = find_near_duplicates(texts, Settings())
    assert verified == [[]] and pairs == [] and groups["astana-0031"] == "astana-0031"
    monkeypatch.setattr(nd, "SCREEN_MARGIN", 1.0)
    find_near_duplicates(texts, Settings())
    assert verified[-1] == [[0, 1]]
