"""Compliance presets: the personal data each regime asks to keep from the model.

``preset: hipaa`` (or a list, ``[gdpr, pci]``: the union) restricts the PII scanner to the
entities of :data:`PRESETS`, each masked, and logs the rest; ``actions``,
``pii_entities_config`` and ``entities`` override it name by name. They are starting points
chosen with each regime's own lists in mind (HIPAA's Safe Harbor identifiers, GDPR's personal
data, PCI DSS's account data), not legal advice: the pools find what their recognizers can.

The entities of each preset are :data:`PRESETS`; ``docs/configuration.md``'s table lists them
(a test keeps the two the same).
"""

from __future__ import annotations

from collections.abc import Sequence

from topics import ConfigError

__all__ = ["PRESETS", "preset_entities"]

PRESETS: dict[str, tuple[str, ...]] = {
    "gdpr": (
        "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION", "IP_ADDRESS", "MAC_ADDRESS",
        "IBAN_CODE", "CREDIT_CARD", "US_BANK_NUMBER", "UK_NHS", "US_SSN", "US_PASSPORT",
        "US_DRIVER_LICENSE", "US_ITIN", "DATE_TIME", "AGE", "ZIP_CODE",
    ),
    # HIPAA Safe Harbor: names, places smaller than a state (addresses, ZIP codes), dates and
    # ages over 89, phone and fax, e-mail, SSN, medical record and licence numbers, account
    # numbers, URLs, IP and device addresses
    "hipaa": (
        "PERSON", "LOCATION", "ZIP_CODE", "DATE_TIME", "AGE", "PHONE_NUMBER", "EMAIL_ADDRESS",
        "US_SSN", "MEDICAL_LICENSE", "US_BANK_NUMBER", "US_DRIVER_LICENSE", "US_PASSPORT", "URL",
        "IP_ADDRESS", "MAC_ADDRESS", "UK_NHS",
    ),
    # PCI DSS account data: the card number above all
    "pci": ("CREDIT_CARD", "US_BANK_NUMBER", "IBAN_CODE"),
}  # fmt: skip
"""The entities of each preset, masked."""


def preset_entities(preset: object) -> list[str]:
    """The union of the entities of ``preset`` (a name or a list of names), in order."""
    names: Sequence[object] = [preset] if isinstance(preset, str) else preset  # type: ignore[assignment]
    if not isinstance(names, list | tuple) or not names:
        raise ConfigError(f"preset must be one of {sorted(PRESETS)} or a list of them")
    entities: dict[str, None] = {}
    for name in names:
        if name not in PRESETS:
            raise ConfigError(f"unknown preset {name!r}; presets: {sorted(PRESETS)}")
        entities.update(dict.fromkeys(PRESETS[name]))  # type: ignore[index]
    return list(entities)
