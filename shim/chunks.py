"""A long request cut into chunks, and the chunks' results merged back into one per scanner.

Pure functions over the request's texts; :mod:`shim.fanout` publishes the chunks and waits.
Offsets are code points into the original texts.

- :func:`split`: each text longer than ``chunk_chars`` is cut into pieces. A piece *owns* a
  stretch of its text (the stretches follow each other with no gap, cut at a line, sentence or
  word boundary) and is scanned with ``margin_chars`` of the text on each side of it, so a value
  that crosses a cut (a card number with spaces, an e-mail address, a name with the words that
  give it away) is whole in the piece that owns its first character. A piece's edges never split
  a word (unless a word is longer than the margin). Short texts and pieces are packed into
  chunks of at most about ``chunk_chars``: one chunk is one scan request.
- :func:`merge`: one scanner's results for every chunk become one result for the whole request.
  Findings and masks are kept only from the piece that owns where they start, mapped to the
  original texts: a value seen by two pieces (in one's margin, in the other's own stretch) is
  counted once, and a value cut off at a piece's edge (a partial card number in the margin) is
  dropped, as its owner sees it whole. A block in any chunk blocks; a chunk that failed makes the
  scanner's result ``error``, a chunk without an answer leaves the scanner without a result: its
  fail policy then applies to the whole request, never to a part.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from shim.windows import Span, placeholder_spans, released_text
from topics import Finding, RedactedText, ScanResult, Text, VerdictKind

__all__ = ["MARGIN_CHARS", "Chunk", "Piece", "merge", "split", "total_chars"]

MARGIN_CHARS = 256
"""Text scanned on each side of a piece's own stretch (the chunks overlap by twice this): longer
than the values a scanner finds across a cut (card and phone numbers, addresses, keys) and than
the context words its recognizers look at."""

_LINE = re.compile(r"\n")
_SENTENCE = re.compile(r"[.!?][\"')\]]*\s")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True, kw_only=True)
class Piece:
    """A stretch of one original text, scanned as one text of a chunk."""

    text: int
    """Index of the original text."""
    start: int
    """Where the scanned stretch begins in the original text."""
    end: int
    """Where it ends (exclusive)."""
    own_start: int
    """The stretch this piece answers for: findings that start in ``[own_start, own_end)``."""
    own_end: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Chunk:
    """One scan request's worth of pieces."""

    pieces: tuple[Piece, ...]

    def texts(self, originals: Sequence[Text]) -> list[Text]:
        """The chunk's texts: each piece's stretch, with its original's role and place."""
        out = []
        for p in self.pieces:
            t = originals[p.text]
            content = t.content[p.start : p.end]
            out.append(Text(role=t.role, content=content, message=t.message, part=t.part))
        return out


def total_chars(texts: Sequence[Text]) -> int:
    """The characters of all ``texts``: a request past ``chunk_chars`` of them is chunked."""
    return sum(len(t.content) for t in texts)


def split(texts: Sequence[Text], chunk_chars: int, margin_chars: int = MARGIN_CHARS) -> list[Chunk]:
    """The chunks of a request; see the module docstring."""
    margin = max(0, min(margin_chars, chunk_chars // 4))
    pieces: list[Piece] = []
    for index, text in enumerate(texts):
        pieces += _pieces(index, text.content, chunk_chars, margin)
    chunks: list[Chunk] = []
    packed: list[Piece] = []
    size = 0
    for piece in pieces:
        length = piece.end - piece.start
        if packed and size + length > chunk_chars:
            chunks.append(Chunk(pieces=tuple(packed)))
            packed, size = [], 0
        packed.append(piece)
        size += length
    if packed:
        chunks.append(Chunk(pieces=tuple(packed)))
    return chunks


def _pieces(index: int, content: str, chunk_chars: int, margin: int) -> list[Piece]:
    length = len(content)
    if length <= chunk_chars:
        return [Piece(text=index, start=0, end=length, own_start=0, own_end=length)]
    step = max(1, chunk_chars - 2 * margin)
    cuts = [0]
    while length - cuts[-1] > step + margin:  # the last piece may own up to one margin more
        cuts.append(_cut(content, cuts[-1] + step, step // 4))
    cuts.append(length)
    return [
        Piece(
            text=index,
            start=_word_start(content, own_start - margin, margin),
            end=_word_end(content, own_end + margin, margin),
            own_start=own_start,
            own_end=own_end,
        )
        for own_start, own_end in itertools.pairwise(cuts)
    ]


def _cut(content: str, target: int, slack: int) -> int:
    """Where an own stretch ends near ``target`` (at most ``slack`` before it): after the last
    line break, else sentence end, else space in that range; at ``target`` when there is none."""
    low = max(1, target - slack)
    for pattern in (_LINE, _SENTENCE, _SPACE):
        ends = [m.end() for m in pattern.finditer(content, low, target)]
        if ends:
            return ends[-1]
    return target


def _word_start(content: str, at: int, slack: int) -> int:
    """The start of the word at ``at`` (looking back at most ``slack``); 0 at the text's start."""
    if at <= 0:
        return 0
    low = max(0, at - slack)
    for k in range(at - 1, low - 1, -1):
        if content[k].isspace():
            return k + 1
    return low  # a word longer than the margin: cut inside it


def _word_end(content: str, at: int, slack: int) -> int:
    """The end of the word at ``at`` (looking on at most ``slack``); the text's end past it."""
    limit = min(len(content), at + slack)
    for k in range(min(at, limit), limit):
        if content[k].isspace():
            return k
    return limit


def merge(
    scanner: str,
    chunks: Sequence[Chunk],
    texts: Sequence[Text],
    results: Sequence[ScanResult | None],
    *,
    request_id: str,
    correlation_id: str,
) -> ScanResult | None:
    """One scanner's result for the whole request from its result for each chunk (None where a
    chunk had no answer); None when the scanner has no result for the request. See the module
    docstring for the rules."""
    answered = [r for r in results if r is not None]
    blocks = [r for r in answered if r.verdict == "block"]
    if not blocks and len(answered) < len(chunks):
        return None  # a chunk without an answer: the scanner timed out for the whole request
    errors = [r for r in answered if r.verdict == "error"]
    findings: list[Finding] = []
    spans: dict[int, list[Span]] = {}
    for chunk, result in zip(chunks, results, strict=True):
        if result is None or result.verdict == "error":
            continue
        for f in result.findings:
            piece = _piece(chunk, f.text)
            if piece is not None and _owns(piece, piece.start + f.start):
                findings.append(
                    Finding(
                        text=piece.text,
                        start=piece.start + f.start,
                        end=piece.start + f.end,
                        label=f.label,
                        score=f.score,
                    )
                )
        for redacted in result.redacted:
            piece = _piece(chunk, redacted.text)
            if piece is None:
                continue
            scanned = texts[piece.text].content[piece.start : piece.end]
            for span in placeholder_spans(scanned, redacted.content):
                if _owns(piece, piece.start + span.start):
                    spans.setdefault(piece.text, []).append(
                        Span(
                            start=piece.start + span.start,
                            end=piece.start + span.end,
                            replacement=span.replacement,
                        )
                    )
    findings.sort(key=lambda f: (f.text, f.start, f.end, f.label))
    scores: dict[str, float] = {}
    for f in findings:
        scores[f.label] = max(scores.get(f.label, 0.0), f.score)
    redacted_texts = [
        RedactedText(text=i, content=released_text(texts[i].content, 0, len(texts[i].content), s))
        for i, s in sorted(spans.items())
    ]
    verdict: VerdictKind
    if blocks:
        verdict, score = "block", max(r.score for r in blocks)
    elif errors:
        verdict, score = "error", 0.0
    else:
        verdict = "mask" if redacted_texts else "flag" if findings else "allow"
        score = max(scores.values(), default=0.0)
    return ScanResult(
        request_id=request_id,
        correlation_id=correlation_id,
        phase=answered[0].phase,
        scanner=scanner,
        verdict=verdict,
        score=score,
        worker_id=",".join(sorted({r.worker_id for r in answered})),
        scan_ms=round(sum(r.scan_ms for r in answered), 3),
        finished_ms=max(r.finished_ms for r in answered),
        findings=findings,
        scores=scores,
        redacted=redacted_texts if verdict == "mask" else [],
        error="; ".join(sorted({r.error for r in errors}))[:500],
    )


def _piece(chunk: Chunk, index: int) -> Piece | None:
    return chunk.pieces[index] if 0 <= index < len(chunk.pieces) else None


def _owns(piece: Piece, offset: int) -> bool:
    return piece.own_start <= offset < piece.own_end
