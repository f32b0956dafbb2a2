"""What several scanners do to text: normalisation that undoes obfuscation with offsets back to
the original (:mod:`~workers.scanners.text.normalize`) and sentence embeddings
(:mod:`~workers.scanners.text.embeddings`, which loads tokenizers: import it only when used)."""

__all__: list[str] = []
