"""The injection classifier's generated training texts: reproducible, distinct, labelled with
every rule family."""

from __future__ import annotations

from bench.injection_texts import attacks as injection_corpus
from bench.injection_texts import benign as injection_benign
from workers.scanners.injection.rules import FAMILIES


def test_generated_corpora_are_reproducible_and_labelled() -> None:
    attacks = injection_corpus.attack_texts(200, seed=3)
    assert attacks == injection_corpus.attack_texts(200, seed=3)
    assert len({t for t, _ in attacks}) == 200
    assert {f for _, f in attacks} == set(FAMILIES)
    benign = injection_benign.benign_texts(200, seed=3)
    assert benign == injection_benign.benign_texts(200, seed=3) and len(set(benign)) == 200
