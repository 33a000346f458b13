"""A notice's text: HTML reduced to paragraphs, paragraphs split into sentences, a position-keeping fold
for matching, the evidence record of a sentence, and the language."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from cookiescan.notice.records import Evidence

__all__ = [
    "MAX_SENTENCE",
    "evidence_at",
    "fold_chars",
    "html_text",
    "language_of",
    "looks_like_html",
    "sentences_of",
]

#: Longest sentence kept as evidence (characters).
MAX_SENTENCE = 400

_SPACES = re.compile(r"[ \t\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u3000\ufeff\u200b]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_HTML_SNIFF = re.compile(
    r"<(?:!doctype|html|head|body|p|div|h[1-6]|br|li|ul|span|section|article|main|table)\b", re.IGNORECASE
)
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "nav", "iframe", "object", "canvas", "button",
              "select", "input", "textarea"]  # fmt: skip
_BLOCK_TAGS = ["p", "div", "li", "dd", "dt", "tr", "td", "th", "ul", "ol", "table", "section", "article", "main",
               "header", "footer", "aside", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
               "figcaption", "details", "summary", "pre", "address", "form", "fieldset", "dl"]  # fmt: skip


def _fold_char(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else ch.lower()[:1] or ch


@functools.lru_cache(maxsize=4096)
def fold_chars(text: str) -> str:
    """Lower case, accents stripped, one character per character (positions stay valid).

    Not :func:`cookiescan.units.fold`, which collapses spaces and may change the length: a match found in
    the folded sentence must point at the same characters of the sentence as written.
    """
    return "".join(_fold_char(ch) for ch in text)


def looks_like_html(text: str) -> bool:
    """True when the text's start has an HTML tag a notice page would have."""
    return _HTML_SNIFF.search(text[:5000]) is not None


def html_text(html: str) -> str:
    """The visible text of a notice page: scripts, styles, navigation and page header/footer dropped,
    block elements separated by blank lines."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        if isinstance(tag, Tag):
            tag.decompose()
    for tag in soup.find_all(True, attrs={"role": "navigation"}):
        if isinstance(tag, Tag):
            tag.decompose()
    # Page chrome: a header/footer outside the main content.
    for tag in soup.find_all(["header", "footer"]):
        if isinstance(tag, Tag) and tag.find_parent(["main", "article"]) is None:
            tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCK_TAGS):
        if isinstance(block, Tag):
            block.insert_before("\n\n")
            block.append("\n\n")
    root = soup.find("body") or soup
    return root.get_text()


def _clean(text: str) -> str:
    text = text.translate(_APOSTROPHES).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


_BULLET = re.compile(r"^(?:[•·▪◦‣*\-–—]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s")
_END = re.compile(r"[.!?…:;»\"”)]$")


def _paragraphs(text: str) -> Iterator[str]:
    """Blocks of text: blank lines always separate; a single line break separates unless the next line
    continues a sentence (starts in lower case after a line without final punctuation)."""
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        current = ""
        for ln in lines:
            if current and not _END.search(current) and ln[:1].islower() and not _BULLET.match(ln):
                current += " " + ln
            else:
                if current:
                    yield current
                current = ln
        if current:
            yield current


# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "e.g", "i.e", "eg", "ie", "etc", "cf", "vs", "inc", "ltd", "llc", "corp", "co", "mr", "mrs", "ms", "dr",
    "st", "ave", "no", "nos", "n°", "art", "al", "ex", "p", "pp", "ca", "approx", "fig", "vol", "m", "mme",
    "mlle", "av", "bd", "s.a", "s.a.s", "sa", "sas", "sarl", "gmbh", "jan", "feb", "fév", "janv", "sept",
    "oct", "nov", "dec", "déc", "min", "max", "env", "resp", "incl",
}  # fmt: skip
_BOUNDARY = re.compile(r"([.!?…]+)([»\"”')\]]*)\s+(?=[«\"“(\[•\-–—]?\s?[A-ZÀ-ÖØ-Þ0-9])")


def _split_sentences(paragraph: str) -> Iterator[str]:
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        end = m.end(2)
        piece = paragraph[start:end].strip()
        word = re.search(r"([\w.°]+)[.]$", paragraph[start : m.end(1)])
        if m.group(1) == "." and not m.group(2):
            if word and (word.group(1).casefold().rstrip(".") in _ABBREVIATIONS or len(word.group(1)) == 1):
                continue  # "e.g.", "Inc.", "J. Smith"
            if re.fullmatch(r"[\d.]+", piece.rstrip(".")):
                continue  # "2.2." section numbering
        if piece:
            yield piece
        start = m.end()
    rest = paragraph[start:].strip()
    if rest:
        yield rest


def sentences_of(text: str) -> list[str]:
    """The sentences of a text (a line without a word is no sentence), in order."""
    return [s for p in _paragraphs(_clean(text)) for s in _split_sentences(p) if re.search(r"\w", s)]


def _trim(sentence: str, start: int = 0, end: int = 0) -> str:
    """At most MAX_SENTENCE characters, keeping ``sentence[start:end]`` in view."""
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    width = MAX_SENTENCE - 2
    lo = max(0, min(start - (width - (end - start)) // 2, len(sentence) - width))
    hi = lo + width
    return ("…" if lo > 0 else "") + sentence[lo:hi].strip() + ("…" if hi < len(sentence) else "")


def evidence_at(sentences: list[str], i: int, start: int = 0, end: int = 0) -> Evidence:
    """Sentence ``i`` as evidence, trimmed around ``[start:end]``."""
    return Evidence(_trim(sentences[i], start, end), i)


_LANG_WORDS = {
    "fr": "le la les des du et vous nous est sont pour une sur avec par qui que ces vos votre notre nos pas",
    "en": "the and you we are is for with of to our your this that which by be not will",
    "de": "der die das und sie wir ist sind mit für auf nicht werden ihre ihr unsere eine einen",
}
_LANG_SETS = {k: set(v.split()) for k, v in _LANG_WORDS.items()}


def language_of(text: str) -> str:
    """``"fr"``, ``"en"``, ``"de"`` by their commonest small words, ``"unknown"`` when fewer than three."""
    words = re.findall(r"[a-zäöüß]+", text.casefold())
    counts = {lang: sum(1 for w in words if w in ws) for lang, ws in _LANG_SETS.items()}
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    return lang if n >= 3 else "unknown"
