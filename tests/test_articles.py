"""Ingest: decoding, cleaning rules (own fixtures), provenance, errors, determinism."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from astana_corpus.cli import main
from astana_corpus.core.errors import AstanaError, ConfigError, InputFormatError
from astana_corpus.core.io import sha256_bytes
from astana_corpus.ingest import clean
from astana_corpus.ingest.clean import (
    classify_blocks,
    clean_document,
    count_glued_words,
    is_headline_ticker,
    split_blocks,
)
from astana_corpus.ingest.documents import iter_documents_file, write_documents
from astana_corpus.ingest.sources import (
    ArticleMeta,
    check_raw_paths,
    check_unlisted,
    decode_raw,
    list_raw,
    register_articles,
    stat_raw_files,
)

FIXTURES = Path(__file__).parent / "fixtures"


def reasons(lines: list[str]) -> list[str | None]:
    """The drop reason of each line (None = kept) when cleaned as one document."""
    text = "\n".join(lines)
    blocks = split_blocks(text)
    assert len(blocks) == len(lines)
    return [d[0] if d else None for d in classify_blocks(blocks)]


def make_project(tmp_path: Path, files: dict[str, bytes]) -> Path:
    (tmp_path / "articles" / "raw").mkdir(parents=True)
    for name, data in files.items():
        (tmp_path / "articles" / "raw" / name).write_bytes(data)
    register_articles(tmp_path)
    return tmp_path


ARTICLE = [
    "المبعوث الأممي يصل إلى دمشق لبحث التهدئة",
    "وصل المبعوثُ الأمميّ إلى دمشقَ اليوم السبت، في زيارةٍ تستمر يومين يلتقي خلالها وزير الخارجية.",
    "وقال المتحدث باسم الأمم المتحدة إن «الزيارة تهدف إلى تثبيت الهدنة»؛ فهل تنجح هذه المرة؟",
    "وتأتي الزيارة بعد أسبوع من اجتماعات جنيف التي انتهت دون اتفاق.",
]


# ---------------------------------------------------------------- decoding


def test_decode_strips_bom_and_keeps_text():
    assert decode_raw("\ufeffسوريا\r\n".encode(), "a.txt") == "سوريا\r\n"


@pytest.mark.parametrize(
    ("data", "code", "offset"),
    [
        (b"", "A101", None),
        (b"  \n\t\n", "A101", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "A102", "byte offset 8"),
        ("سوريا ".encode() + b"\xff\xfe" + "روسيا".encode(), "A103", "byte offset 11"),
        ("مرحبا\x07".encode(), "A104", "character offset 5"),
    ],
)
def test_decode_rejects_bad_input_with_offset(data, code, offset):
    with pytest.raises(InputFormatError) as info:
        decode_raw(data, "articles/raw/x.txt")
    assert info.value.code == code
    assert "articles/raw/x.txt" in str(info.value)
    assert offset is None or offset in str(info.value)


def test_windows_1256_file_is_named_with_byte_offset():
    data = "أستانة".encode("cp1256")
    with pytest.raises(InputFormatError, match=r"^\[A103\] x\.txt: byte offset 0"):
        decode_raw(data, "x.txt")


# ---------------------------------------------------------------- blocks


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2029"])
def test_split_blocks_offsets_any_line_end(newline):
    text = newline.join(["  سوريا ،  ", "", "\tروسيا؛"]) + newline
    blocks = split_blocks(text)
    assert [b.text for b in blocks] == ["سوريا ،", "روسيا؛"]
    for block in blocks:
        assert text[block.start : block.end] == block.text


@given(
    st.lists(st.text(alphabet="سوريا ،؛ـًّ\u200c\t", max_size=12), max_size=8),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_split_blocks_round_trip_property(lines, newline):
    text = newline.join(lines)
    for block in split_blocks(text):
        assert text[block.start : block.end] == block.text
        assert block.text == block.text.strip()
        assert block.text


# ---------------------------------------------------------------- furniture


@pytest.mark.parametrize(
    "line",
    [
        "اقرأ ايضا: وزير الخارجية الروسي يصل إلى أنقرة",
        "إقرأ أيضـاً - قصف على ريف حماة",
        "طالع أيضًا: تقرير عن النازحين",
        "شاهد أيضاً: مقابلة مع المبعوث (فيديو)",
        "قد يعجبك: قصة لاجئة في برلين",
        "مقالات ذات صلة: محادثات جنيف",
        "أضف تعليقاً",
        "اكتب رأيك",
        "لن يتم نشر بريدك الإلكتروني، الحقول المطلوبة معلمة بـ *",
        "إلغاء الرد",
        "العودة إلى أعلى الصفحة",
        "الكلمات المفتاحية: سوريا، روسيا، أستانة",
        "الوسوم : إدلب - خفض التصعيد",
        "شارك على: فيسبوك | تويتر | واتساب",
        "Facebook Twitter WhatsApp Telegram",
    ],
)
def test_furniture_lines_are_dropped(line):
    assert reasons([*ARTICLE, line]) == [None] * len(ARTICLE) + ["furniture"]


@pytest.mark.parametrize(
    "line",
    [
        # Mentions of reading, commenting or sharing inside real sentences.
        "وقال الوزير إن على الجميع أن يقرأ أيضاً نص الاتفاق قبل الحكم عليه.",
        "وشارك في الاجتماع ممثلون عن فيسبوك وتويتر لبحث المحتوى المتطرف.",
        "قد يهمك أن تعرف أن الهدنة صمدت أسبوعاً كاملاً، بحسب المرصد.",
        "وأضاف أن الوفود ستعود إلى أعلى مستوى من التمثيل في الجولة المقبلة.",
    ],
)
def test_article_sentences_that_look_like_furniture_are_kept(line):
    # The third and fourth start with a furniture phrase but go on as sentences.
    assert reasons([*ARTICLE, line])[-1] is None


def test_footer_heading_and_its_links_are_dropped_but_long_text_after_is_kept():
    lines = [
        *ARTICLE,
        "الأقسام",
        "سياسة",
        "اقتصاد ومال",
        "وفي سياق متصل، أعلنت الأمم المتحدة أن قافلة مساعدات دخلت ريف حمص الشمالي اليوم.",
    ]
    assert reasons(lines) == [None] * 4 + ["footer", "footer", "footer", None]


def test_footer_word_early_in_document_does_not_open_a_footer():
    # A short heading "أقسام" (sections of a report) early on, then short lines:
    # footer mode only starts in the tail, so nothing here is dropped.
    lines = [ARTICLE[0], "أقسام", "الجلسة الأولى", *ARTICLE[1:], "وختم بأن الجولة حاسمة."]
    assert reasons(lines) == [None] * len(lines)


# ---------------------------------------------------------------- ticker

TICKER = (
    "انفجار سيارة مفخخة في مدينة إعزاز شمال حلبالأمم المتحدة تدعو إلى هدنة إنسانية في الغوطة"
    "وزير الخارجية التركي يزور طهران الأسبوع المقبل (فيديو)مقتل ثلاثة مدنيين بقصف على ريف إدلب"
    "الجنوبيهل تنجح مفاوضات جنيف؟الجيش اللبناني يعزز انتشاره على الحدود الشرقية للبلاد"
)


def test_glued_headlines_are_a_ticker():
    assert count_glued_words(TICKER) >= 3
    assert reasons([TICKER, *ARTICLE]) == ["headline_ticker"] + [None] * 4


def test_one_typo_join_does_not_make_a_ticker():
    line = (
        "وقالت المصادر إن الاجتماعات الثنائية انتهت في ساعة متأخرة من الليل، وإن الوفود ستعود "
        "للقاء صباح الغد في القاعةالكبرى لمناقشة البيان الختامي وملف المعتقلين والمفقودين."
    )
    assert count_glued_words(line) == 1
    assert not is_headline_ticker(line)


def test_article_paragraphs_with_diacritics_have_no_glued_words():
    for line in ARTICLE:
        assert count_glued_words(line) == 0


# ---------------------------------------------------------------- duplicates


def test_repeated_paragraphs_keep_first_even_with_diacritics_and_tatweel():
    # ARTICLE[1] without its diacritics and with tatweel inside "دمشـــق".
    repeated = (
        "وصل المبعوث الأممي إلى دمشـــق اليوم السبت، في زيارة تستمر يومين يلتقي خلالها "
        "وزير الخارجية."
    )
    assert reasons([*ARTICLE, *ARTICLE[1:3], repeated]) == [None] * 4 + ["duplicate_paragraph"] * 3


def test_truncated_teaser_is_dropped_full_paragraph_kept():
    full = ARTICLE[1]
    teaser = full[:60] + "…"
    # "صورة أرشيفية" (archive photo) is a caption, dropped as a photo credit.
    assert reasons([ARTICLE[0], teaser, "صورة أرشيفية", full]) == [
        None,
        "truncated_teaser",
        "furniture",
        None,
    ]


@pytest.mark.parametrize("end", ["…", "...", "..", "… ", "..\u00a0", "…\u2003"])
def test_a_teaser_ends_in_dots_or_an_ellipsis_then_any_white_space(end):
    full = ARTICLE[1]
    teaser = full[:60] + end
    assert reasons([ARTICLE[0], teaser, full]) == [None, "truncated_teaser", None]


def test_one_dot_or_a_dot_before_a_letter_is_no_teaser_end():
    full = ARTICLE[1]
    assert reasons([ARTICLE[0], full[:60] + ".", full]) == [None] * 3
    assert reasons([ARTICLE[0], full[:60] + "…" + full[60:62], full]) == [None] * 3
    assert reasons([ARTICLE[0], full[:60] + ".." + full[60:62], full]) == [None] * 3


@given(st.text(alphabet=".…ab \n\t\x1c\x85\xa0\u2003\u2028\u3000\u200b\ufeff", max_size=8))
def test_the_teaser_end_check_is_the_regex_it_replaces(text):
    # Blocks reach it stripped; on any string it must still be _TEASER_END.search.
    assert clean._teaser_end(text) == bool(clean._TEASER_END.search(text))


def test_short_ellipsis_line_is_not_a_teaser():
    assert reasons([*ARTICLE, "وماذا بعد..."]) == [None] * 5


# ---------------------------------------------------------------- documents


def test_clean_document_offsets_map_back_to_raw():
    raw = "\ufeff" + "\r\n\r\n".join([ARTICLE[0], "اترك تعليقاً", *ARTICLE[1:], ARTICLE[2]])
    source = decode_raw(raw.encode(), "x.txt")
    meta = ArticleMeta(id="astana-0009", file="x.txt", sha256="0" * 64)
    doc = clean_document(meta, source, source_format="txt", source_kind="utf-8")
    assert [doc.paragraph_text(i) for i in range(len(doc.paragraphs))] == ARTICLE
    assert "\r" not in doc.text
    for p in doc.paragraphs:
        assert source[p.raw_start : p.raw_end] == doc.text[p.start : p.end]
    assert sorted(d.reason for d in doc.provenance.dropped) == ["duplicate_paragraph", "furniture"]
    for d in doc.provenance.dropped:
        assert source[d.raw_start : d.raw_end] in ("اترك تعليقاً", ARTICLE[2])


def test_html_article(tmp_path):
    root = make_project(tmp_path, {"page.html": (FIXTURES / "article.html").read_bytes()})
    write_documents(root, out=root / "build/documents.jsonl")
    (doc,) = list(iter_documents_file(root / "build/documents.jsonl"))
    assert doc.provenance.source_format == "html"
    assert doc.provenance.source_text.startswith("trafilatura ")
    assert doc.paragraph_text(0) == "جولة جديدة من المحادثات في جنيف"
    assert "طالع أيضا" not in doc.text
    assert "الرئيسية" not in doc.text and "جميع الحقوق" not in doc.text
    assert any("ملف المعتقلين" in doc.paragraph_text(i) for i in range(len(doc.paragraphs)))
    assert [d.reason for d in doc.provenance.dropped] == ["furniture"]


def test_ids_do_not_depend_on_metadata_order(tmp_path):
    files = {f"{n}.txt": "\n".join([f"عنوان رقم {n}", *ARTICLE]).encode() for n in range(4)}
    root = make_project(tmp_path / "a", files)
    write_documents(root, out=root / "out1.jsonl")
    meta_path = root / "articles/articles.yaml"
    data = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    random.Random(7).shuffle(data["articles"])
    meta_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    write_documents(root, out=root / "out2.jsonl")
    assert (root / "out1.jsonl").read_bytes() == (root / "out2.jsonl").read_bytes()


def test_register_keeps_existing_ids_and_appends(tmp_path):
    root = make_project(tmp_path, {"b.txt": "نص".encode()})
    (root / "articles/raw/a.txt").write_bytes("نص آخر".encode())
    added = register_articles(root)
    assert [(m.id, m.file) for m in added] == [("astana-0002", "a.txt")]


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        ("empty", "[A101]"),
        ("binary", "[A102]"),
        ("invalid_utf8", "[A103]"),
        ("missing", "[A106]"),
        ("edited", "[A111]"),
        ("unlisted", "[A109]"),
    ],
)
def test_cli_bad_input_fails_and_writes_nothing(tmp_path, capsys, damage, needle):
    root = make_project(tmp_path, {"a.txt": "\n".join(ARTICLE).encode(), "b.txt": "نص".encode()})
    raw = root / "articles/raw/b.txt"
    meta_path = root / "articles/articles.yaml"
    if damage in ("empty", "binary", "invalid_utf8"):
        data = {"empty": b"", "binary": b"\x00\x01\x02", "invalid_utf8": b"\xd8"}[damage]
        raw.write_bytes(data)
        text = meta_path.read_text(encoding="utf-8")
        meta_path.write_text(text.replace(sha256_bytes("نص".encode()), sha256_bytes(data)))
    elif damage == "missing":
        raw.unlink()
    elif damage == "edited":
        raw.write_bytes("نص معدل".encode())
    elif damage == "unlisted":
        (root / "articles/raw/c.txt").write_bytes("نص".encode())
    out = root / "build" / "documents.jsonl"
    code = main(["--root", str(root), "ingest", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert needle in err
    assert "b.txt" in err or "c.txt" in err
    assert not out.exists()
    assert not list((root / "build").glob("*")) if (root / "build").exists() else True


def test_failed_ingest_keeps_previous_output(tmp_path):
    root = make_project(tmp_path, {"a.txt": "\n".join(ARTICLE).encode()})
    out = root / "docs.jsonl"
    write_documents(root, out=out)
    before = out.read_bytes()
    (root / "articles/raw/a.txt").write_bytes(b"changed")
    with pytest.raises(ConfigError):
        write_documents(root, out=out)
    assert out.read_bytes() == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".docs")] == []


def test_bad_metadata_is_named(tmp_path):
    root = make_project(tmp_path, {"a.txt": "نص".encode()})
    meta_path = root / "articles/articles.yaml"
    data = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    data["articles"].append(dict(data["articles"][0], file="b.txt"))
    shutil.copy(root / "articles/raw/a.txt", root / "articles/raw/b.txt")
    meta_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^\[A107\] .*entry 2: duplicate id astana-0001"):
        write_documents(root, out=root / "o.jsonl")


# ---------------------------------------------------------------- the raw folder's listing

# What articles/raw may hold: each kind of entry the checks tell apart.
RAW_ENTRIES = {
    "a.txt": "file",
    "b.html": "file",
    "scan.pdf": "file",
    ".hidden.txt": "file",
    "folder.txt": "folder",
    "sub/c.txt": "file",  # a file in a subfolder: listed by its path, never by the listing
    "in.txt": "link:a.txt",
    "up.txt": "link:../raw/b.html",
    "deep.txt": "link:sub/c.txt",
    "out.txt": "link:../../outside.txt",  # out of articles/raw: A112
    "dangling.txt": "link:nowhere.txt",
    "loop.txt": "link:loop.txt",
}
# What articles.yaml may name: the entries, a missing file and paths that are not one name.
LISTED_FILES = [*RAW_ENTRIES, "missing.txt", "./a.txt", "sub/../a.txt", "../escape.txt", "sub"]


def _raw_folder(root: Path, entries: set[str]) -> None:
    raw = root / "articles/raw"
    (raw / "sub").mkdir(parents=True)
    (root / "outside.txt").write_text("خارج المجلد", encoding="utf-8")
    for name in sorted(entries, key=lambda n: RAW_ENTRIES[n].startswith("link:")):
        kind, path = RAW_ENTRIES[name], raw / name
        if kind == "file":
            path.write_text(f"نص {name}، ٢٠٢٤؟", encoding="utf-8")
        elif kind == "folder":
            path.mkdir()
        else:
            path.symlink_to(kind.removeprefix("link:"))


def _outcome(check):
    """What a check did: its result, or the error it raised (a symlink loop is pathlib's
    RuntimeError, as it was before the listing)."""
    try:
        return ("ok", check())
    except (AstanaError, RuntimeError) as exc:
        return (type(exc).__name__, getattr(exc, "code", None), str(exc))


@settings(max_examples=80, deadline=None)
@given(
    entries=st.sets(st.sampled_from(sorted(RAW_ENTRIES))),
    files=st.lists(st.sampled_from(LISTED_FILES), unique=True),
)
def test_the_listing_is_only_a_shortcut(entries, files):
    """A112, the unlisted files (A109/A110) and the key's stats come out the same, code,
    message and values, from the folder's listing as from each file's own path (the
    checks as they were before the listing)."""
    metas = [ArticleMeta(f"astana-{n:04d}", f, "0" * 64) for n, f in enumerate(files, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _raw_folder(root, entries)
        listing = list_raw(root)
        assert listing is not None and set(listing.links) <= listing.names
        for check in (check_raw_paths, check_unlisted):
            assert _outcome(lambda c=check: c(root, metas, listing)) == _outcome(
                lambda c=check: c(root, metas, None)
            )
        fast = stat_raw_files(root, files, listing)
        assert list(fast.items()) == list(stat_raw_files(root, files, None).items())
        assert list(fast.items()) == [(f, _stat_by_path(root, f)) for f in files]


def _stat_by_path(root: Path, file: str) -> list[int] | None:
    try:
        st = (root / "articles/raw" / file).stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def test_a_raw_folder_that_cannot_be_listed_is_checked_file_by_file(tmp_path):
    """No articles/raw: no listing, and the checks say what they said without one."""
    assert list_raw(tmp_path) is None
    metas = [ArticleMeta("astana-0001", "a.txt", "0" * 64)]
    check_raw_paths(tmp_path, metas, None)
    assert stat_raw_files(tmp_path, ["a.txt"], None) == {"a.txt": None}
    with pytest.raises(FileNotFoundError):
        check_unlisted(tmp_path, metas, None)


def test_a_symlink_out_of_raw_is_refused_from_the_listing(tmp_path):
    _raw_folder(tmp_path, {"a.txt", "out.txt"})
    metas = [ArticleMeta("astana-0001", "a.txt", "0" * 64)]
    metas.append(ArticleMeta("astana-0002", "out.txt", "0" * 64))
    listing = list_raw(tmp_path)
    assert listing is not None and listing.links == {"out.txt"}
    with pytest.raises(AstanaError, match=r"entry 2") as exc:
        check_raw_paths(tmp_path, metas, listing)
    assert exc.value.code == "A112"
    os.unlink(tmp_path / "articles/raw/out.txt")
    check_raw_paths(tmp_path, metas, list_raw(tmp_path))  # missing now: ingest says so
