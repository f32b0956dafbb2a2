"""The prompt-injection scanner (:mod:`~workers.scanners.injection.scanner`) and its engine:
rule families (:mod:`~workers.scanners.injection.rules`, one module per family), the index of
known attacks and the small learned classifier. Importing the package loads nothing; a pool
imports the scanner module when it starts."""

__all__: list[str] = []
