"""``guardstream eval`` and ``eval-data``: labelled examples through the real batch path,
metrics, curves, reports and baselines, and generated PII data. Development tooling: not in
the worker image."""

__all__: list[str] = []
