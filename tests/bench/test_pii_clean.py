"""bench.pii_clean: ordinary prompts with no personal data, the same for the same seed."""

from __future__ import annotations

from bench.pii_clean import TEMPLATES, generate_clean


def test_same_seed_same_prompts_every_template_in_turn() -> None:
    first = generate_clean(2 * len(TEMPLATES), seed=5)
    assert first == generate_clean(2 * len(TEMPLATES), seed=5)
    assert first != generate_clean(2 * len(TEMPLATES), seed=6)
    assert [t.template for t in first] == list(range(len(TEMPLATES))) * 2


def test_placeholders_are_all_filled_with_the_words_recorded() -> None:
    for t in generate_clean(3 * len(TEMPLATES), seed=1):
        assert "{" not in t.text.replace("{}", ""), t
        assert all(word in t.text for word in t.words), t
