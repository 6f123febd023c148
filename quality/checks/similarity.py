"""Text normalisation and the similarity measures the near-duplicate and AI checks share.

Everything works on code points, so Chinese, Cantonese and other scripts written without
spaces are measured the same way as English. Work is linear in the text (vectorised with
numpy) and capped at :data:`MAX_ANALYSED_CHARS`, so a huge answer costs milliseconds, not
minutes; a capped measurement says so in the findings' evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Final

import numpy as np

MAX_ANALYSED_CHARS: Final = 200_000
# A task's reference answers are measured again for every submission to it, so the results
# for short texts are memoised (bounded: 256 entries of at most this many characters each).
_CACHED_CHARS: Final = 5_000

# Scripts written without spaces between words: each character is treated as a word of its
# own (CJK ideographs incl. the extension planes used for Cantonese, kana, Thai, Lao, Khmer).
_PER_CHAR: Final = (
    "\u0e00-\u0eff\u1780-\u17ff\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U000323af"
)
_PER_CHAR_RE: Final = re.compile(f"[{_PER_CHAR}]")
_WORD_RE: Final = re.compile(r"[^\W_]+")
_SPLIT_RE: Final = re.compile(f"[{_PER_CHAR}]|[^{_PER_CHAR}]+")
_NON_WORD_RE: Final = re.compile(r"[\W_]+")

# Words so common in English that sharing them says nothing about copying.
# fmt: off
_STOPWORDS: Final = frozenset((
    "about", "above", "after", "again", "against", "all", "also", "and", "any", "are", "because",
    "been", "before", "being", "below", "between", "both", "but", "can", "could", "did", "does",
    "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have",
    "having", "her", "here", "hers", "him", "his", "how", "into", "its", "itself", "just",
    "more", "most", "not", "now", "off", "once", "only", "other", "our", "ours", "out", "over",
    "own", "same", "she", "should", "some", "such", "than", "that", "the", "their", "theirs",
    "them", "then", "there", "these", "they", "this", "those", "through", "too", "under",
    "until", "very", "was", "were", "what", "when", "where", "which", "while", "who", "whom",
    "why", "will", "with", "would", "you", "your", "yours",
))
# fmt: on
_STEM_CHARS: Final = 6  # "evaluation", "evaluations" and "evaluate" share the stem "evalua"

_MULTIPLIER: Final = np.uint64(1_099_511_628_211)  # FNV-64 prime, a good odd multiplier
_FOLD: Final = np.uint64(32)
_LOW32: Final = np.uint64(0xFFFFFFFF)


def capped(text: str) -> tuple[str, bool]:
    """The part of ``text`` that is analysed, and whether it was cut."""
    if len(text) <= MAX_ANALYSED_CHARS:
        return text, False
    return text[:MAX_ANALYSED_CHARS], True


def normalise(text: str) -> str:
    """Compatibility-fold, case-fold and replace punctuation by single spaces.

    NFKC maps full-width Latin letters and digits (common in Chinese input methods) onto the
    ordinary ones, so the same sentence typed in either form compares equal.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD_RE.sub(" ", folded).strip()


def mostly_per_char(normalised: str) -> bool:
    """Whether at least a third of the letters belong to scripts written without spaces."""
    letters = len(normalised) - normalised.count(" ")
    return letters > 0 and len(_PER_CHAR_RE.findall(normalised)) * 3 >= letters


def dense_characters(text: str) -> int:
    """How many characters belong to scripts written without spaces."""
    return len(_PER_CHAR_RE.findall(text))


def _code_points(normalised: str) -> np.ndarray:
    return np.frombuffer(normalised.encode("utf-32-le"), dtype="<u4").astype(np.uint64)


def _rolling_hashes(points: np.ndarray, size: int) -> np.ndarray:
    """64-bit hashes of every run of ``size`` code points (one polynomial hash per run)."""
    count = len(points) - size + 1
    if count <= 0:
        count, size = 1, len(points)
    start = np.uint64((size * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)  # one stream per size
    hashes = np.full(count, start, dtype=np.uint64)
    for offset in range(size):
        hashes = hashes * _MULTIPLIER + points[offset : offset + count]
    return hashes


def shingles(normalised: str, size: int) -> np.ndarray:
    """Distinct 32-bit hashes of the character ``size``-grams of a normalised text."""
    if not normalised:
        return np.empty(0, dtype=np.uint32)
    hashes = _rolling_hashes(_code_points(normalised), size)
    folded = (hashes ^ (hashes >> _FOLD)) & _LOW32
    return np.unique(folded.astype(np.uint32))


def _weighted_ngrams(normalised: str, sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Character n-gram ids and their sublinear term frequencies, 1 + log(tf) (read-only)."""
    if len(normalised) <= _CACHED_CHARS:
        return _cached_weighted_ngrams(normalised, sizes)
    return _compute_weighted_ngrams(normalised, sizes)


@lru_cache(maxsize=256)
def _cached_weighted_ngrams(
    normalised: str, sizes: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    return _compute_weighted_ngrams(normalised, sizes)


def _compute_weighted_ngrams(
    normalised: str, sizes: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    if not normalised:
        return np.empty(0, dtype=np.uint64), np.empty(0)
    points = _code_points(normalised)
    grams = np.concatenate([_rolling_hashes(points, size) for size in sizes])
    ids, counts = np.unique(grams, return_counts=True)
    return ids, 1.0 + np.log(counts)


def tfidf_cosines(
    text: str, references: Sequence[str], sizes: Sequence[int] | None = None
) -> list[float]:
    """Cosine similarity of ``text`` with each reference over character n-gram TF-IDF vectors.

    N-grams of 3 to 5 characters, or 2 and 3 when the text is mostly in a script written
    without spaces (a Chinese character carries about as much as a short English word).
    Term frequency is sublinear and the IDF is the smoothed ``ln((1 + N) / (1 + df)) + 1``
    over the text and its references (scikit-learn's ``TfidfVectorizer`` defaults), so
    n-grams every document shares weigh less than those only two share.
    """
    normalised = [normalise(capped(item)[0]) for item in (text, *references)]
    if sizes is None:
        sizes = (2, 3) if mostly_per_char(normalised[0]) else (3, 4, 5)
    docs = [_weighted_ngrams(item, tuple(sizes)) for item in normalised]
    vocabulary, document_frequency = np.unique(
        np.concatenate([ids for ids, _ in docs]), return_counts=True
    )
    idf = np.log((1 + len(docs)) / (1 + document_frequency)) + 1.0
    vectors: list[tuple[np.ndarray, np.ndarray]] = []
    for ids, tf in docs:
        weights = tf * idf[np.searchsorted(vocabulary, ids)]
        length = float(np.sqrt(np.dot(weights, weights)))
        vectors.append((ids, weights / length if length else weights))
    first_ids, first_weights = vectors[0]
    scores: list[float] = []
    for ids, weights in vectors[1:]:
        _, left, right = np.intersect1d(first_ids, ids, assume_unique=True, return_indices=True)
        scores.append(float(np.dot(first_weights[left], weights[right])))
    return scores


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Word tokens with their positions (token, start, end): runs of letters and digits, and
    every character of a script written without spaces on its own."""
    found = []
    for match in _WORD_RE.finditer(text):
        word = match.group()
        if not _PER_CHAR_RE.search(word):
            found.append((word, match.start(), match.end()))
            continue
        offset = match.start()
        for part in _SPLIT_RE.finditer(word):
            found.append((part.group(), offset + part.start(), offset + part.end()))
    return found


def content_terms(text: str) -> frozenset[str]:
    """The set of content terms used for paraphrase-tolerant overlap.

    Word order is ignored and words are cut to a short stem, so reordering sentences,
    changing inflections or swapping a few words leaves most terms in place. Stop words and
    one- or two-letter words are dropped; in scripts written without spaces, adjacent
    character pairs stand in for words.
    """
    if len(text) <= _CACHED_CHARS:
        return _cached_content_terms(text)
    return _compute_content_terms(text)


@lru_cache(maxsize=256)
def _cached_content_terms(text: str) -> frozenset[str]:
    return _compute_content_terms(text)


def _compute_content_terms(text: str) -> frozenset[str]:
    terms: set[str] = set()
    previous_char, previous_end = "", -1
    for token, start, end in tokens(unicodedata.normalize("NFKC", capped(text)[0]).casefold()):
        if len(token) == 1 and _PER_CHAR_RE.match(token):
            if previous_char and start == previous_end:
                terms.add(previous_char + token)
            previous_char, previous_end = token, end
            continue
        previous_char = ""
        if len(token) > 2 and token not in _STOPWORDS:
            terms.add(token[:_STEM_CHARS])
    return frozenset(terms)


def containment(part: AbstractSet[str], whole: AbstractSet[str]) -> float:
    """Share of ``part`` that also occurs in ``whole`` (0 when ``part`` is empty)."""
    return len(part & whole) / len(part) if part else 0.0


def jaccard(left: AbstractSet[str], right: AbstractSet[str]) -> float:
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def shared_passages(
    text: str, other: str, *, limit: int = 3, max_chars: int = 300
) -> tuple[list[str], float]:
    """The longest passages of ``text`` that also occur in ``other``, and the share of ``text``
    (in words) they cover.

    A passage is a run of overlapping word n-grams found in both (7 words, or 12 characters in
    scripts written without spaces), so a shared technical term alone is not a passage.
    """
    text, other = capped(text)[0], capped(other)[0]
    mine = tokens(text)
    theirs = [token.casefold() for token, _, _ in tokens(other)]
    size = 12 if mostly_per_char(normalise(text[:2000])) else 7
    if len(mine) < size or len(theirs) < size:
        return [], 0.0
    words = [token.casefold() for token, _, _ in mine]
    seen = {tuple(theirs[i : i + size]) for i in range(len(theirs) - size + 1)}
    covered = bytearray(len(words))
    for i in range(len(words) - size + 1):
        if tuple(words[i : i + size]) in seen:
            covered[i : i + size] = b"\x01" * size
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(covered):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(words) - 1))
    runs.sort(key=lambda run: run[1] - run[0], reverse=True)
    passages = []
    for first, last in runs[:limit]:
        passage = text[mine[first][1] : mine[last][2]]
        passages.append(passage if len(passage) <= max_chars else passage[: max_chars - 1] + "…")
    return passages, sum(covered) / len(words)
