"""The injection classifier's generated training texts: reproducible, distinct, labelled with
every rule family; planted attacks and their clean twins; the style sources."""

from __future__ import annotations

from bench.injection_texts import attacks as injection_corpus
from bench.injection_texts import benign as injection_benign
from bench.injection_texts.planted import planted_pairs
from bench.injection_texts.roleplay import role_play_attacks
from bench.injection_texts.tasks import task_prompts
from workers.scanners.injection.rules import FAMILIES


def test_generated_corpora_are_reproducible_and_labelled() -> None:
    attacks = injection_corpus.attack_texts(200, seed=3)
    assert attacks == injection_corpus.attack_texts(200, seed=3)
    assert len({t for t, _ in attacks}) == 200
    assert {f for _, f in attacks} == set(FAMILIES)
    benign = injection_benign.benign_texts(200, seed=3)
    assert benign == injection_benign.benign_texts(200, seed=3) and len(set(benign)) == 200


def test_planted_attacks_differ_from_their_clean_twins_only_by_the_instruction() -> None:
    documents = ["The bridge closes in March. Cyclists can still cross. A new one is planned."]
    pairs = planted_pairs(60, documents, seed=3)
    assert pairs == planted_pairs(60, documents, seed=3)
    assert len({a for a, _ in pairs}) == 60
    for attack, clean in pairs:
        assert len(attack) > len(clean) + 20
        # The twin is the attack with characters taken out (the instruction, a space or a
        # JSON field), nothing changed or moved.
        chars = iter(attack)
        assert all(c in chars for c in clean), (attack, clean)


def test_role_play_and_task_prompts_are_reproducible_and_distinct() -> None:
    attacks = role_play_attacks(100, seed=3)
    assert attacks == role_play_attacks(100, seed=3) and len(set(attacks)) == 100
    tasks = task_prompts(100, seed=3)
    assert tasks == task_prompts(100, seed=3) and len(set(tasks)) == 100
    assert not set(attacks) & set(tasks)
