"""The audit pool (:mod:`workers.audit.pool`), the join of a request's messages into one audit
record (:mod:`workers.audit.join`), and the sinks records feed (:mod:`workers.audit.sinks`)."""

__all__: list[str] = []
