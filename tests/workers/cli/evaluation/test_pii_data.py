"""workers.cli.evaluation.pii_data and ``guardstream eval-data``: generated PII texts with
exact spans."""

from __future__ import annotations

import json
from pathlib import Path

from workers.cli import main
from workers.cli.evaluation.examples import read_examples
from workers.cli.evaluation.pii_data import LOCALES, generate_pii


def test_same_seed_same_texts_and_another_seed_others() -> None:
    assert generate_pii(40, seed=11) == generate_pii(40, seed=11)
    assert [r["text"] for r in generate_pii(40, seed=11)] != [
        r["text"] for r in generate_pii(40, seed=12)
    ]


def test_spans_slice_to_their_values_and_rows_vary() -> None:
    rows = generate_pii(200, seed=3)
    for row in rows:
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["value"]
            assert span["value"] == span["value"].strip()
        assert (row["label"] == "pii") == bool(row["spans"])
    assert 0.1 < sum(r["label"] == "no_pii" for r in rows) / len(rows) < 0.4
    assert {r["source"].removeprefix("faker/") for r in rows} == set(LOCALES)
    entities = {s["entity"] for r in rows for s in r["spans"]}
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION", "CREDIT_CARD"} <= entities
    assert any(r["hard_negative"] for r in rows)


def test_command_writes_data_that_eval_reads(tmp_path: Path) -> None:
    out = tmp_path / "gen.jsonl"
    assert (
        main(["eval-data", "--kind", "pii", "--count", "25", "--seed", "9", "--out", str(out)]) == 0
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows == generate_pii(25, seed=9)
    examples = read_examples(out)
    assert len(examples) == 25
    assert [e.spans for e in examples] == [r["spans"] for r in rows]
