"""Reading a notice: :func:`read_notice` assembles a :class:`Notice` from the text, vendor and promise
readers, with the purposes (categories) it lists; :func:`load_notice` reads one from a local file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from cookiescan.errors import UsageError
from cookiescan.known import load as load_known_trackers
from cookiescan.notice.promises import read_lifetimes, read_refusal
from cookiescan.notice.records import NO_VENDORS, Evidence, Notice
from cookiescan.notice.text import evidence_at, fold_chars, html_text, language_of, looks_like_html, sentences_of
from cookiescan.notice.vendors import read_vendors

if TYPE_CHECKING:
    from cookiescan.known import KnownTrackers

__all__ = ["load_notice", "read_notice"]

# --------------------------------------------------------------------------------------------
# Purposes listed
# --------------------------------------------------------------------------------------------

_COOKIE_CONTEXT = re.compile(r"\b(?:cookies?|traceurs?|trackers?|temoins?|kekse|pixels?)\b")
_CATEGORY_RX: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("necessary", re.compile(
        r"(?<!non\s)(?<!not\s)\b(?:strictement\s+necessaires?|strictly\s+necessary|(?:cookies?|traceurs?)\s+"
        r"(?:strictement\s+)?(?:necessaires?|essentiels?|techniques?|indispensables?)|(?:necessary|essential"
        r"|technical)\s+cookies?|cookies?\s+(?:that\s+are\s+)?(?:strictly\s+)?(?:necessary|essential)"
        r"|notwendige\s+cookies?)\b")),
    ("functional", re.compile(
        r"\b(?:fonctionnel(?:le)?s?|fonctionnalites?|functional|functionality|(?:cookies?\s+de\s+)?preferences?"
        r"\s+cookies?|cookies?\s+de\s+preferences?|personnalisation\s+de\s+l'interface|funktionale?)\b")),
    ("analytics", re.compile(
        r"\b(?:mesure\s+d'audience|statisti\w+|analytics?|analytiques?|audience\s+measurement|analyse\s+d[ue]\s+"
        r"(?:trafic|frequentation|l'audience)|traffic\s+analysis|analy[sz]e\s+(?:the\s+)?traffic"
        r"|performance\s+cookies?|cookies?\s+de\s+performance|analyse)\b")),
    ("marketing", re.compile(
        r"\b(?:publicit\w*|advertis\w*|ciblage|ciblee?s?|targeting|targeted|reseaux\s+sociaux|social\s+(?:media|"
        r"networks?|plugins?)|marketing|remarketing|retargeting|werbung)\b")),
)  # fmt: skip


def _is_heading(sentence: str) -> bool:
    return len(sentence) <= 80 and not re.search(r"[.!?]$", sentence)


def _read_categories(sentences: list[str]) -> tuple[tuple[str, Evidence], ...]:
    found: dict[str, Evidence] = {}
    for i, s in enumerate(sentences):
        folded = fold_chars(s)
        if not (_COOKIE_CONTEXT.search(folded) or _is_heading(s)):
            continue
        for category, rx in _CATEGORY_RX:
            m = rx.search(folded)
            if m and category not in found:
                found[category] = evidence_at(sentences, i, m.start(), m.end())
    return tuple(sorted(found.items(), key=lambda kv: kv[1].position))


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_notice(text_or_html: str, source: str, known: KnownTrackers | None = None) -> Notice:
    """Read a written cookie notice (HTML or plain text) into a :class:`Notice`.

    HTML is reduced to its text (scripts, styles, navigation and page header/footer dropped; block
    elements become paragraphs). Sentences are split on final punctuation followed by a capital,
    tolerating French typography (« », ’, non-breaking spaces) and abbreviations ("e.g.", "Inc.").
    ``known`` defaults to the shipped known_trackers data.

    >>> n = read_notice("Nous utilisons Google Analytics. Les cookies ne sont pas conservés plus de 13 mois.", "x")
    >>> n.vendor_names, n.lifetimes[0].scope
    (('Google Analytics',), 'cookies')
    """
    if known is None:
        known = load_known_trackers()
    text = html_text(text_or_html) if looks_like_html(text_or_html) else text_or_html
    sentences = sentences_of(text)
    notes: list[str] = []
    if not sentences:
        notes.append("the notice has no text")
    vendors, spans = read_vendors(sentences, known, notes)
    if not vendors:
        notes.insert(0, NO_VENDORS)
    lifetimes = read_lifetimes(sentences, spans)
    if sentences and not any(p.scope == "cookies" for p in lifetimes):
        notes.append("no lifetime promise that applies to every cookie"
                     + ("; cookies are held to the promise about data collected via cookies"
                        if any(p.scope == "cookie-data" for p in lifetimes) else ""))
    return Notice(
        source=source,
        language=language_of(" ".join(sentences)),
        vendors=vendors,
        lifetimes=lifetimes,
        refusal_cookie=read_refusal(sentences),
        categories=_read_categories(sentences),
        notes=tuple(notes),
    )


_SUFFIXES = (".html", ".htm", ".txt", ".text", ".md")


def load_notice(path_or_text_file: str | Path, known: KnownTrackers | None = None) -> Notice:
    """Read a notice from a local ``.html``/``.htm``/``.txt`` file.

    Raises UsageError (one line) when the file is missing, not a file, of another type, unreadable or
    empty.
    """
    path = Path(path_or_text_file)
    if not path.exists():
        raise UsageError(f"notice file {path} does not exist", hint="Give a .html or .txt file, or a URL.")
    if not path.is_file():
        raise UsageError(f"notice {path} is not a file", hint="Give a .html or .txt file, or a URL.")
    if path.suffix.lower() not in _SUFFIXES:
        raise UsageError(
            f"notice file {path}: unsupported type {path.suffix or '(none)'!r}",
            hint="Save the notice as .html or .txt.",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read notice file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise UsageError(f"notice file {path} is empty")
    return read_notice(text, str(path), known)
