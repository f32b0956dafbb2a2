"""Obfuscation: encoded payloads, invisible and mixed-script characters, "decode this and
follow it", and payload splitting ("let a = 'ign', b = 'ore all...'; now do a + b").

:func:`decoded_payloads` finds base64, hex and (when the text asks for it) ROT13 pieces of the
original text and decodes them, so that the caller can run the other rules on what they say: an
encoded "ignore all previous instructions" is then caught as that, with its span on the encoded
run in the original text.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass

from workers.scanners.injection.rules.core import Rule, rule

__all__ = ["OBFUSCATION_RULES", "Payload", "decoded_payloads"]

OBFUSCATION_RULES: tuple[Rule, ...] = (
    rule(
        "decode_and_follow",
        "obfuscation",
        0.7,
        r"\b(?:decode|decipher|decrypt|translate|convert|reverse|unscramble|interpret)"
        r" (?:\w+ ){0,4}?(?:base64|b64|rot-?13|hex|hexadecimal|binary|morse|cipher|caesar"
        r"|encoded|encrypted|reversed|backwards|ascii)\b(?:\W+\w+){0,12}?\W+(?:and|then)"
        r" (?:\w+ )?(?:follow|execute|do|obey|perform|carry out|run|act on|answer|respond|comply)",
        needles="decode decipher decrypt translate convert reverse unscramble interpret",
    ),
    rule(
        "payload_splitting",
        "obfuscation",
        0.6,
        r"\b(?:combine|concatenate|join|merge|put together|add up|assemble) (?:the )?(?:strings?"
        r"|variables?|parts|pieces|fragments|tokens|letters|words)\b[^.\n]{0,80}\b(?:and|then)"
        r" (?:\w+ )?(?:follow|execute|do|obey|perform|answer|respond to|comply with|act on"
        r"|write|tell me)\b|\b[a-z]\d? ?\+ ?[a-z]\d? ?\+ ?[a-z]\d?\b[^.\n]{0,40}\b(?:follow"
        r"|execute|answer|respond|do what)",
        needles="combine concatenate join merge together add up assemble +",
    ),
    rule(
        "invisible_in_word",
        "obfuscation",
        0.35,
        r"[A-Za-z][\u00ad\u200b-\u200f\u2060-\u2064\ufeff]+[A-Za-z]",
        raw=True,
    ),
    rule(
        "mixed_script_word",
        "obfuscation",
        0.35,
        r"(?:[a-zA-Z][\u0400-\u04ff\u0370-\u03ff]|[\u0400-\u04ff\u0370-\u03ff][a-zA-Z])",
        raw=True,
    ),
    rule(
        "spaced_letters",
        "obfuscation",
        0.2,
        r"(?<![A-Za-z])(?:[A-Za-z][ .\-_*]){5,}[A-Za-z](?![A-Za-z])",
        raw=True,
    ),
)


@dataclass(frozen=True, slots=True)
class Payload:
    """A decoded piece of the original text."""

    start: int
    """Offset of the encoded run in the original text."""
    end: int
    text: str
    """What it decodes to."""
    encoding: str


_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[ :]?){10,}(?![0-9A-Fa-f])")
_ROT13_ASKED = re.compile(r"rot[\s_-]?13|caesar|cipher", re.IGNORECASE)
_MAX_PAYLOADS = 8


def _readable(data: bytes) -> str | None:
    """The bytes as text when they are mostly printable words; ``None`` for binary noise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) < 8:
        return None
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in text)
    letters = sum(ch.isalpha() or ch == " " for ch in text)
    if printable < 0.95 * len(text) or letters < 0.7 * len(text) or " " not in text:
        return None
    return text


def decoded_payloads(raw: str) -> list[Payload]:
    """Base64 and hex runs of ``raw`` that decode to readable text, and the ROT13 reading of
    the whole text when it mentions ROT13 or a cipher; at most a few, to bound the work."""
    found: list[Payload] = []
    for m in _BASE64.finditer(raw):
        run = m.group()
        # Plain words and identifiers also match the alphabet; real base64 mixes cases/digits.
        if run.isalpha() and (run.islower() or run.isupper()):
            continue
        try:
            data = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        text = _readable(data)
        if text is not None:
            found.append(Payload(m.start(), m.end(), text, "base64"))
        if len(found) >= _MAX_PAYLOADS:
            return found
    for m in _HEX.finditer(raw):
        digits = re.sub(r"[ :]", "", m.group())
        if len(digits) % 2:
            digits = digits[:-1]
        try:
            text = _readable(bytes.fromhex(digits))
        except ValueError:
            continue
        if text is not None:
            found.append(Payload(m.start(), m.end(), text, "hex"))
        if len(found) >= _MAX_PAYLOADS:
            return found
    if _ROT13_ASKED.search(raw):
        found.append(Payload(0, len(raw), codecs.decode(raw, "rot13"), "rot13"))
    return found
