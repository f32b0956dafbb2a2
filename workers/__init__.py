"""guardstream's worker side: scanner pools, the audit pipeline and the ``guardstream`` command."""

__all__: list[str] = []
