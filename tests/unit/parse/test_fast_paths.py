"""The parse stages' fast paths give what the plain computations give.

Each fast path (a cheap pre-check that skips work in the common case, a one-pass gathering, a
CSV writer without pandas, a check on bytes instead of text) is compared with the computation
it stands for, on real records shipped with the project and on adversarial input: control
characters, NCT IDs in odd places and spellings, MathML and inline markup, empty elements.
"""

from __future__ import annotations

import io
import random
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.parse import ctgov_pages, nct_ids, pubmed_rows, pubmed_stream
from trialsynth.parse.control_chars import CONTROL_CHARACTERS
from trialsynth.parse.frames import write_csv
from trialsynth.parse.nct_ids import find_nct_ids

REPO = Path(__file__).resolve().parents[3]
PUBMED_FILES = [
    REPO / "data" / "raw" / "pubmed" / "efetch-0001.xml",
    *sorted((REPO / "tests" / "fixtures" / "records" / "pubmed").glob("*/*.xml")),
]
#: The mention pattern as first written: case-insensitive, the look-behind in front.
REFERENCE_MENTION = re.compile(
    rf"(?<![A-Za-z0-9])NCT{nct_ids._PREFIX_SEPARATORS}"
    rf"(\d+(?:{nct_ids._GROUP_SEPARATOR}\d+)*)(?![A-Za-z])",
    re.IGNORECASE,
)
#: Every code point but the surrogates, for class-by-class comparisons.
ALL_CHARACTERS = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def _reference_find(text: str | None) -> list[str]:
    if not text:
        return []
    found = set()
    for match in REFERENCE_MENTION.finditer(text):
        digits = nct_ids._digits_of_mention(match.group(1))
        if digits is not None:
            found.add(f"NCT{digits}")
    return sorted(found)


def _shipped_texts() -> list[str]:
    texts = []
    for path in PUBMED_FILES:
        root = ET.fromstring(path.read_bytes())
        texts.extend(text for element in root.iter() for text in element.itertext())
    return texts


@pytest.mark.parametrize(
    ("case_sensitive", "insensitive"),
    [
        ("[Nn]", "N"),
        ("[Cc]", "C"),
        ("[Tt]", "T"),
        (f"[{nct_ids._LETTERS}0-9]", "[A-Za-z0-9]"),
        (f"[{nct_ids._LETTERS}]", "[A-Za-z]"),
        (nct_ids._PREFIX_SEPARATORS.removesuffix("{0,3}"),) * 2,
        (nct_ids._GROUP_SEPARATOR,) * 2,
        (r"\d",) * 2,
    ],
)
def test_each_class_of_the_mention_matches_what_it_matched_ignoring_case(
    case_sensitive: str, insensitive: str
) -> None:
    assert re.findall(case_sensitive, ALL_CHARACTERS) == re.findall(
        insensitive, ALL_CHARACTERS, re.IGNORECASE
    )


def test_mentions_are_found_as_by_the_case_insensitive_pattern() -> None:
    rng = random.Random(12)
    pieces = [
        "NCT", "nct", "nCt", "Nct", "ncT", "N", "C", "T", "0", "1234", "5678", "01234567",
        " ", "-", "\u2011", "\u00a0", ":", "#", ".", "_", "x", "A", "9", "\u0130", "\u0131",
        "\u017f", "\u212a", "\u00e9", "(", ")", ";", "\n", "<i>", "</i>", "ÑCT",
    ]  # fmt: skip
    texts = _shipped_texts() + [
        "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(20000)
    ]
    texts += [f"{c}NCT01234567{c}" for c in "\u0130\u0131\u017f\u212aaZ9_- é"]
    for text in texts:
        assert find_nct_ids(text) == _reference_find(text), text


@pytest.mark.parametrize(
    "text",
    [
        "registered as nCt-0123 4567 and NcT:01234568",
        "the function of NCT",  # NCT in a word and alone, no digits
        "\u0130NCT01234567 and \u212anct01234568",  # touching letters only under IGNORECASE
        "ncT01234567",
        "",
    ],
)
def test_the_ascii_pre_check_keeps_every_spelling(text: str) -> None:
    assert find_nct_ids(text) == _reference_find(text)


def _reference_plain_text(value: object) -> str | None:
    if value is None:
        return None
    return pubmed_rows._INLINE_MARKUP.sub("", str(value)).strip() or None


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "  ",
        " plain ",
        "H<sub>2</sub>O",
        "a < b and c > d",
        "<mml:math><mml:mi>k</mml:mi></mml:math> per kg",
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>k</mi></math>',
        "<i> </i>",
        "\x1c text \x85",
    ],
)
def test_plain_text_without_a_tag_skips_the_markup_pattern(value: str | None) -> None:
    assert pubmed_rows.plain_text(value) == _reference_plain_text(value)
    for text in _shipped_texts()[:5000]:
        assert pubmed_rows.plain_text(text) == _reference_plain_text(text)


ELEMENTS = [
    "<LastName/>",
    "<LastName></LastName>",
    "<LastName>Smith</LastName>",
    "<LastName>Sm<i>it</i>h</LastName>",
    "<LastName><i></i></LastName>",
    '<AbstractText>k = <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:mi>k'
    "</mml:mi></mml:math> per kg</AbstractText>",
    "<ArticleTitle>A &amp; B &#x2019;</ArticleTitle>",
]


@pytest.mark.parametrize("xml", ELEMENTS)
def test_text_of_an_element_is_all_its_text(xml: str) -> None:
    element = ET.fromstring(xml)
    assert pubmed_stream._text(element) == "".join(element.itertext())


@pytest.mark.parametrize(
    "children",
    [
        "",
        "<LastName>Smith</LastName><ForeName>Jo</ForeName><Initials>J</Initials>",
        "<CollectiveName>The <i>Study</i> Group</CollectiveName>",
        "<LastName/><Initials></Initials>",
        "<LastName>First</LastName><LastName>Second</LastName><Initials>A</Initials>"
        "<Initials>B</Initials><CollectiveName>C1</CollectiveName><CollectiveName>C2"
        "</CollectiveName>",
        "<AffiliationInfo><LastName>Nested</LastName></AffiliationInfo><Initials>X</Initials>",
    ],
)
def test_an_author_gathered_in_one_pass_equals_three_finds(children: str) -> None:
    author = ET.fromstring(f"<Author>{children}</Author>")
    expected = pubmed_rows.Author(
        *(pubmed_stream._text(author.find(n)) for n in ("LastName", "Initials", "CollectiveName"))
    )
    assert pubmed_stream._author(author) == expected


CONTROL_SAMPLES = [chr(c) for c in range(0x00, 0x20)] + [chr(c) for c in range(0x7F, 0xA1)]
#: The check as first written, on the decoded text of a page.
REFERENCE_ESCAPE = re.compile(r"\\(?:u00[01][0-9a-fA-F]|u007[fF]|u00[89][0-9a-fA-F]|[bf])")


def _reference_may_hold_control(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None or REFERENCE_ESCAPE.search(text) is not None


@pytest.mark.parametrize(
    "char", [*CONTROL_SAMPLES, "\u0100", "\u00e9", "\u00c2", "\u2028", "\U0001f600", "b", "f"]
)
def test_control_check_on_bytes_agrees_with_the_check_on_text(char: str) -> None:
    bodies = [
        f'{{"a": "x{char}y"}}',
        f'{{"a": "x\\u{ord(char):04x}y"}}',
        f'{{"a": "x\\u{ord(char):04X}y"}}',
        f'{{"a": "x\\{char}y"}}',
    ]
    for body in bodies:
        data = body.encode("utf-8")
        assert ctgov_pages._may_hold_control(data) == _reference_may_hold_control(body), body


def test_control_check_on_bytes_agrees_on_shipped_pages() -> None:
    pages = sorted((REPO / "data" / "raw" / "ctgov").glob("page-*.json"))
    pages += sorted((REPO / "tests" / "fixtures").rglob("*.json"))[:200]
    assert pages
    for page in pages:
        data = page.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        assert ctgov_pages._may_hold_control(data) == _reference_may_hold_control(text), page


def _adversarial_frame() -> pd.DataFrame:
    cells = [
        None, "", " ", "plain", "a,b", 'say "x"', '"', ",", "line\nbreak", "cr\ronly",
        "crlf\r\n", " lead", "trail ", "tab\there", "é ≥ 2", "\U0001f600", '""', "a;b",
        "\x00nul", "\x85nel", "'quote'", "#", "=1+1",
    ]  # fmt: skip
    rng = random.Random(5)
    rows = [
        {"text": rng.choice(cells), "other": rng.choice(cells), "number": rng.choice([None, 0, 7])}
        for _ in range(400)
    ]
    return pd.DataFrame.from_records(rows).astype(
        {"text": "string", "other": "string", "number": "Int64"}
    )


@pytest.mark.parametrize(
    "frame",
    [
        _adversarial_frame(),
        _adversarial_frame().iloc[:0],
        pd.DataFrame({"only": pd.array(["", None, "x,y"], dtype="string")}),
    ],
)
def test_csv_writer_gives_the_bytes_of_to_csv(frame: pd.DataFrame, tmp_path: Path) -> None:
    write_csv(frame, tmp_path / "fast.csv")
    expected = io.BytesIO()
    frame.to_csv(expected, index=False, lineterminator="\n", encoding="utf-8")
    assert (tmp_path / "fast.csv").read_bytes() == expected.getvalue()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<ArticleTitle>", b"<ArticleTitle>\x7f&#x85;"),  # DEL as itself, NEL as a reference
        (b"<AbstractText", b"<AbstractText>a&#x9f;b</AbstractText><AbstractText"),
        (b"<LastName>", b"<LastName>\xc2\x80"),  # U+0080 in UTF-8, in an author's name
        (b"<Title>", b"<Title>\x7f"),  # the journal
    ],
)
def test_an_article_with_control_characters_is_cleaned_as_before(
    old: bytes, new: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows whose joined text cells hold no control character skip the cell-by-cell strip;
    the others are stripped and logged as before: equal to stripping every row."""
    from collections import Counter

    from trialsynth.parse.control_chars import strip_control_characters
    from trialsynth.parse.pubmed import ARTICLES_COLUMNS, parse_pubmed

    source = REPO / "tests" / "fixtures" / "records" / "pubmed" / "efetch"
    data = sorted(source.glob("*.xml"))[0].read_bytes()
    assert old in data
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "efetch-0001.xml").write_bytes(data.replace(old, new, 1))
    caplog.set_level("WARNING")
    table = parse_pubmed(raw)
    assert "removed" in caplog.text and "control character" in caplog.text
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    for row in rows:
        assert list(row) == list(ARTICLES_COLUMNS)
        assert strip_control_characters(row, Counter()) == row
    (raw / "efetch-0001.xml").write_bytes(data)
    clean = parse_pubmed(raw)
    assert len(clean) == len(table)
