"""Title normalization and title-mention search in free text.

MovieLens titles are written as "Godfather, The (1972)", "Seven (Se7en) (1995)" or
"Star Trek: First Contact (1996)", while LLM texts write "*The Godfather*", "Se7en" or
"Star Trek". `title_variants` turns one title into the normalized forms a text may use, and
`mentions_title` searches a text for them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_YEAR = re.compile(r"\s*\(\d{4}(?:/[IVX]+)?\)\s*$")
_TRAILING_PARENS = re.compile(r"^(?P<main>.*\S)\s*\((?P<alternate>[^()]+)\)$")
_TRAILING_ARTICLE = re.compile(
    r"^(?P<body>.+),\s*(?P<article>the|a|an|les|la|le|l'|il|der|die|das|el)$", re.IGNORECASE
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Markdown emphasis and quotation marks that LLM texts put around titles.
_EMPHASIS = re.compile(r"\*\*?([^*\n]+?)\*\*?|_([^_\n]+?)_|[\"\u201c]([^\"\u201d\n]+?)[\"\u201d]")
_SENTENCE_END = re.compile(r"[.!?:;]\s*[*_\"\u201c(]*\s*$")

# A variant shorter than this many characters ("M", "Ed", "Big", "Ran") is never searched,
# because it matches ordinary words far more often than the film.
MIN_VARIANT_CHARS = 4


def fold_accents(text: str) -> str:
    """Remove diacritics so that "Nénette" and "Nenette" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_text(text: str) -> str:
    """Lower-case `text`, fold accents, spell "&" as "and" and keep only words and digits."""
    folded = fold_accents(text).lower().replace("&", " and ")
    return _NON_WORD.sub(" ", folded).strip()


def strip_year(title: str) -> str:
    """Remove a trailing release year such as " (1995)" from a MovieLens title."""
    return _YEAR.sub("", title).strip()


def _article_forms(title: str) -> list[str]:
    """Return "City of Lost Children, The" as the title with the article in front and bare."""
    match = _TRAILING_ARTICLE.match(title)
    if match is None:
        return [title]
    body, article = match.group("body").strip(), match.group("article")
    joiner = "" if article.endswith("'") else " "
    return [f"{article}{joiner}{body}", body]


def _split_alternate(title: str) -> list[str]:
    """Split "Seven (Se7en)" into the main title and its parenthesised alternate title."""
    match = _TRAILING_PARENS.match(title)
    if match is None:
        return [title]
    return [match.group("main"), match.group("alternate")]


def natural_title(title: str) -> str:
    """Return the title as people write it: "Godfather, The (1972)" becomes "The Godfather"."""
    return _article_forms(strip_year(title))[0]


@lru_cache(maxsize=8192)
def title_variants(title: str) -> frozenset[str]:
    """Return the normalized forms under which a text may name `title`.

    The forms cover the title without its year, with a trailing article moved to the
    front and without it, a parenthesised alternate title, and the part before a colon.
    Forms shorter than `MIN_VARIANT_CHARS` are left out.
    """
    variants: set[str] = set()
    for part in _split_alternate(strip_year(title)):
        for form in _article_forms(part.strip()):
            variants.add(normalize_text(form))
            if ":" in form:
                before_colon = form.split(":", 1)[0]
                for prefix in _article_forms(before_colon.strip()):
                    variants.add(normalize_text(prefix))
    return frozenset(v for v in variants if len(v.replace(" ", "")) >= MIN_VARIANT_CHARS)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    normalized: str


def _emphasized_spans(text: str) -> list[_Span]:
    spans = []
    for match in _EMPHASIS.finditer(text):
        inner = next(group for group in match.groups() if group is not None)
        spans.append(_Span(match.start(), match.end(), normalize_text(strip_year(inner))))
    return spans


def _variant_pattern(variant: str) -> re.Pattern[str]:
    # Words of the variant may be separated by any run of non-word characters in the text.
    words = [re.escape(word) for word in variant.split()]
    return re.compile(r"(?<![A-Za-z0-9])" + r"[^A-Za-z0-9]+".join(words) + r"(?![A-Za-z0-9])",
                      re.IGNORECASE)


def _counts_as_mention(
    text: str, match: re.Match[str], variant: str, variants: frozenset[str], spans: list[_Span]
) -> bool:
    # Rule against false positives: a match inside an emphasized span (*...*, _..._, "...")
    # counts only when the whole span is a form of the title, so "*Dead Man Walking*" does not
    # name "Dead Man" and "*Three Colors: Blue*" does not name "Three Colors: Red". A one-word
    # form outside such a span counts only when written with a capital letter and not as the
    # first word of a sentence, so "the heat of" and "Kids love" do not name "Heat" or "Kids".
    for span in spans:
        if span.start <= match.start() and match.end() <= span.end:
            return span.normalized in variants
    if " " in variant:
        return True
    if not match.group(0)[0].isupper():
        return False
    before = text[: match.start()]
    return bool(before.strip()) and _SENTENCE_END.search(before) is None


def find_title_mention(text: str, title: str) -> str | None:
    """Return the form of `title` that `text` names, or None if it names none."""
    folded = fold_accents(text).replace("&", " and ")
    variants = title_variants(title)
    spans = _emphasized_spans(folded)
    for variant in sorted(variants, key=len, reverse=True):
        for match in _variant_pattern(variant).finditer(folded):
            if _counts_as_mention(folded, match, variant, variants, spans):
                return variant
    return None


def mentions_title(text: str, title: str) -> bool:
    """Tell whether `text` names the film `title` under any of its variants."""
    return find_title_mention(text, title) is not None
