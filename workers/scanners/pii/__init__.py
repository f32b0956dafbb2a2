"""The PII scanner (:mod:`~workers.scanners.pii.scanner`, Presidio) and its engine: extra
recognizers, person names, postal addresses and the clean-up of overlapping spans. Importing
the package loads nothing; a pool imports the scanner module when it starts."""

__all__: list[str] = []
