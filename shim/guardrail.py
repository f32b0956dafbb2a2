"""The LiteLLM guardrail: publish scan requests to Kafka, wait for verdicts, decide.

It overrides only LiteLLM's native hooks (and defines no ``apply_guardrail``, which would send
every call through LiteLLM's unified guardrail layer instead):

    pre_call      async_pre_call_hook                     block, or mask the prompt
    during_call   async_moderation_hook                   block (runs beside the LLM call)
    post_call     async_post_call_success_hook            block, or mask the answer
                  async_post_call_streaming_iterator_hook buffered: block or mask;
                                                          incremental: the same, window by
                                                          window (shim.stream);
                                                          pass_through: publish for audit only
    logging_only  async_log_success_event / _failure_     publish, never wait

A block reaches the client as HTTP 400 with exactly
``{"error": {"message": ..., "type": "content_policy_violation", "code": "<scanner>_blocked"}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncGenerator, Mapping
from dataclasses import replace
from typing import Any, ClassVar

from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.types.guardrails import GuardrailEventHooks

from shim.blocked import GuardrailBlocked, blocked_by
from shim.callers import caller_of, guardstream_section, request_metadata
from shim.chunks import split, total_chars
from shim.decide import Outcome, decide
from shim.extract import (
    mask_request,
    mask_response,
    mask_stream,
    request_texts,
    response_texts,
    stream_texts,
)
from shim.fanout import ask_chunks, audit_whole, sized
from shim.health import GuardrailHealth
from shim.health import mount as mount_health
from shim.metrics import serve_metrics, shim_metrics
from shim.placeholders import number, restore
from shim.replies import ReplyClient, TooManyPending
from shim.settings import KNOWN_KEYS, RequestPlan, ShimSettings
from shim.stream import IncrementalStream
from topics import (
    BrokerUnavailable,
    ConfigError,
    EncodeError,
    Mode,
    PayloadTooLarge,
    Phase,
    ReplyAddress,
    ScanRequest,
    ScanResult,
    Text,
    Verdict,
)
from topics.scanners import TOO_LARGE_CODE, TOO_LARGE_MESSAGE

__all__ = ["KafkaScanGuardrail"]

log = logging.getLogger("guardstream.shim")

_HOOKS = [
    GuardrailEventHooks.pre_call,
    GuardrailEventHooks.during_call,
    GuardrailEventHooks.post_call,
    GuardrailEventHooks.logging_only,
]


class KafkaScanGuardrail(CustomGuardrail):
    """Runs guardstream's scanners over Kafka from inside LiteLLM's proxy.

    Configured from ``litellm_params``; :mod:`shim.settings` documents every key.
    """

    use_native_lifecycle_hooks: ClassVar[bool] = True

    def __init__(self, **kwargs: Any) -> None:
        _cap_payload_loggers()
        self.settings = ShimSettings.from_params(_without_litellm_defaults(kwargs))
        self.replies = ReplyClient(
            self.settings.connection,
            self.settings.topics,
            self.settings.instance_id,
            self.settings.max_pending,
            self.settings.cipher,
            self.settings.max_request_bytes,
        )
        kwargs.setdefault("supported_event_hooks", _HOOKS)
        super().__init__(**kwargs)
        shim_metrics()
        if self.settings.metrics_port:
            serve_metrics(self.settings.metrics_port)
        self._observing: set[asyncio.Task[None]] = set()
        """Long requests of logging_only and pass-through streams, scanned in the background."""
        self._pii_tokens: OrderedDict[str, dict[str, str]] = OrderedDict()
        """output_parse_pii: numbered placeholder -> original value, by call id, from the
        prompt's masking to the answer's restoring (in memory: never in logged metadata)."""
        self._announce()
        self.health = GuardrailHealth(
            self.guardrail_name or "guardstream",
            self.settings.connection,
            self.settings.topics,
            self.settings.scanners,
            watch=self.replies.pools,
        )
        proxy_server = sys.modules.get("litellm.proxy.proxy_server")
        if proxy_server is not None:  # inside a proxy: answer GET /health/guardrails there
            mount_health(proxy_server.app, self.health)
        with contextlib.suppress(RuntimeError):  # no running loop yet: start on first use
            self.replies.start()
            self.health.start()

    def _announce(self) -> None:
        """Say at start-up what the configured modes do with a mask verdict."""
        s = self.settings
        if s.logging_only:
            log.warning("guardstream: logging_only is on: requests are published, never held")
        elif self._event_hook_is_event_type(GuardrailEventHooks.during_call):
            log.warning(
                "guardstream: during_call cannot rewrite the prompt (the model has it): a mask "
                "verdict (PII, secrets) %s the request (during_call_mask: %s)",
                "blocks" if s.during_call_mask == "block" else "lets through",
                s.during_call_mask,
            )
        if s.output_parse_pii and not (
            self._event_hook_is_event_type(GuardrailEventHooks.pre_call)
            and self._event_hook_is_event_type(GuardrailEventHooks.post_call)
        ):
            raise ConfigError("output_parse_pii needs both pre_call and post_call in mode")

    # --- the hooks -------------------------------------------------------------------------

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict, call_type: Any
    ) -> dict:
        """Scan the prompt before the LLM call: block, or rewrite it with masked text."""
        if self.should_run_guardrail(data=data, event_type=GuardrailEventHooks.pre_call):
            texts = request_texts(data)
            outcome = await self._check(data, user_api_key_dict, texts, "pre_call", "request")
            if outcome.decision == "mask":
                masked = outcome.masked
                if self.settings.output_parse_pii:
                    masked = self._numbered(data, texts, masked)
                mask_request(data, texts, masked)
        return data

    def _numbered(self, data: Mapping[str, Any], texts: list[Text], masked: dict) -> dict:
        """Masked texts with numbered placeholders, remembering their values for the answer."""
        tokens: dict[str, str] = {}
        out = {i: number(texts[i].content, content, tokens) for i, content in masked.items()}
        call_id = str(data.get("litellm_call_id") or "")
        if tokens and call_id:
            self._pii_tokens[call_id] = tokens
            while len(self._pii_tokens) > self.settings.max_pending:
                self._pii_tokens.popitem(last=False)
        return out

    def _restore(self, data: Mapping[str, Any], texts: list[Text]) -> dict[int, str]:
        """The answer texts with the prompt's numbered placeholders put back, by index."""
        tokens = self._pii_tokens.pop(str(data.get("litellm_call_id") or ""), None)
        if not tokens:
            return {}
        restored = {i: restore(text.content, tokens) for i, text in enumerate(texts)}
        return {i: content for i, content in restored.items() if content != texts[i].content}

    async def async_moderation_hook(
        self, data: dict, user_api_key_dict: Any, call_type: Any
    ) -> None:
        """Scan the prompt while the LLM call runs; a block cancels the call."""
        if self.should_run_guardrail(data=data, event_type=GuardrailEventHooks.during_call):
            texts = request_texts(data)
            await self._check(data, user_api_key_dict, texts, "during_call", "request")

    async def async_post_call_success_hook(
        self, data: dict, user_api_key_dict: Any, response: Any
    ) -> Any:
        """Scan a non-streamed answer: block it, or mask it in place."""
        if self.should_run_guardrail(data=data, event_type=GuardrailEventHooks.post_call):
            texts = response_texts(response)
            outcome = await self._check(data, user_api_key_dict, texts, "post_call", "response")
            if outcome.decision == "mask":
                mask_response(response, texts, outcome.masked)
                texts = response_texts(response)
            if self.settings.output_parse_pii:
                mask_response(response, texts, self._restore(data, texts))
        return response

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict
    ) -> AsyncGenerator[Any, None]:
        """Scan a streamed answer: buffered (hold, then block or mask), incremental (the same
        window by window) or pass_through."""
        if not self.should_run_guardrail(
            data=request_data, event_type=GuardrailEventHooks.post_call
        ):
            async for chunk in response:
                yield chunk
            return
        if self.settings.stream_mode == "incremental" and not self.settings.logging_only:
            async for chunk in self._incremental(user_api_key_dict, response, request_data):
                yield chunk
            return
        chunks = []
        if self.settings.stream_mode in ("pass_through", "incremental"):
            async for chunk in response:
                chunks.append(chunk)
                yield chunk
            self._publish_only(request_data, user_api_key_dict, stream_texts(chunks), "post_call")
            return
        async for chunk in response:
            chunks.append(chunk)
        texts = stream_texts(chunks)
        outcome = await self._check(request_data, user_api_key_dict, texts, "post_call", "response")
        if outcome.decision == "mask":
            mask_stream(chunks, texts, outcome.masked)
            texts = stream_texts(chunks)
        if self.settings.output_parse_pii:
            mask_stream(chunks, texts, self._restore(request_data, texts))
        for chunk in chunks:
            yield chunk

    def _incremental(self, auth: Any, response: Any, data: dict) -> AsyncGenerator[Any, None]:
        """The stream scanned window by window; each window is a request of its own, with the
        id ``<call id>#w<k>`` (its audit record, verdict and results say which window)."""
        tokens = self._pii_tokens.pop(str(data.get("litellm_call_id") or ""), None)

        async def scan(window: int, texts: list[Text], released: int) -> Outcome:
            return await self._check(
                data, auth, texts, "post_call", "response", window=window, released=released
            )

        stream = IncrementalStream(
            scan,
            self.settings.stream_windows,
            (lambda text: restore(text, tokens)) if tokens else (lambda text: text),
        )
        return stream.run(response)

    async def async_log_success_event(
        self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """logging_only: publish prompt and answer for the pools and the audit trail."""
        data = self._logged_request(kwargs)
        if data is None:
            return
        self._publish_only(data, None, request_texts(kwargs), "logging_only", "request")
        self._publish_only(data, None, response_texts(response_obj), "logging_only", "response")

    async def async_log_failure_event(
        self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """logging_only: publish the prompt of a failed call."""
        data = self._logged_request(kwargs)
        if data is not None:
            self._publish_only(data, None, request_texts(kwargs), "logging_only", "request")

    # --- the work --------------------------------------------------------------------------

    async def _check(
        self,
        data: dict,
        auth: Any,
        texts: list[Text],
        mode: Mode,
        phase: Phase,
        *,
        window: int | None = None,
        released: int = 0,
    ) -> Outcome:
        """Publish, wait within the budget, decide, record; raise :class:`GuardrailBlocked`.

        ``window``: the index of a streamed answer's window (``stream_mode: incremental``),
        ``released`` the characters of the answer the client had before it."""
        s = self.settings
        if s.logging_only:
            # the guide's rollout switch: observe, never hold; the logging hook publishes
            # both phases when it runs, so publish here only when it does not
            if not self._event_hook_is_event_type(GuardrailEventHooks.logging_only):
                self._publish_only(data, auth, texts, "logging_only", phase)
            return Outcome(decision="allow")
        plan = self._plan(data, auth)
        if not plan.scanners or not texts:
            return Outcome(decision="allow")
        started, started_wall = time.perf_counter(), time.time()
        request = self._request(data, auth, texts, plan, mode, phase, self.replies.address, window)
        # pools known down are not waited for: on_timeout applies to them at once
        skipped = self.replies.pools.skipped(plan.scanners)
        chunks = split(texts, s.chunk_chars) if total_chars(texts) > s.chunk_chars else []
        try:
            if chunks:
                request = sized(request, plan.budget_ms, s.max_request_bytes, s.scan_bytes_per_s)
                wait_s = (request.deadline_ms - request.created_ms) / 1000
                results = await ask_chunks(
                    self.replies,
                    request,
                    chunks,
                    wait_s,
                    skip=skipped,
                    in_flight=s.chunks_in_flight,
                )
            else:
                results = await self.replies.ask(request, plan.budget_ms / 1000, skip=skipped)
        except PayloadTooLarge as e:
            log.warning("guardstream: request %s cannot be scanned: %s", request.request_id, e)
            if self.settings.on_oversize == "block":
                raise GuardrailBlocked(TOO_LARGE_MESSAGE, TOO_LARGE_CODE) from None
            return Outcome(decision="allow")
        except (BrokerUnavailable, TooManyPending, EncodeError):
            results = {}  # decide() applies on_timeout to every scanner
        outcome = decide(plan.scanners, results, texts, plan.on_timeout, skipped=skipped)
        if mode == "during_call" and outcome.decision == "mask":
            # the model has the prompt already: it cannot be rewritten, only stopped
            if self.settings.during_call_mask == "block":
                outcome = replace(outcome, decision="block", blocked_by=outcome.masked_by)
            else:
                outcome = replace(outcome, decision="allow", masked={})
        waited_ms = (time.perf_counter() - started) * 1000
        shim_metrics().observe(mode, phase, outcome, waited_ms / 1000)
        self.health.note(outcome.timed_out, outcome.failed, outcome.fail_policy_applied)
        self.replies.publish(
            self.settings.topics.verdicts.name,
            Verdict(
                request_id=request.request_id,
                correlation_id=request.correlation_id,
                phase=phase,
                mode=mode,
                decision=outcome.decision,
                decided_ms=int(time.time() * 1000),
                waited_ms=waited_ms,
                blocked_by=outcome.blocked_by,
                timed_out=outcome.timed_out,
                failed=outcome.failed,
                fail_policy_applied=outcome.fail_policy_applied,
            ),
            request.request_id,
        )
        if chunks:
            audit_whole(self.replies, s.topics.audit_joins.name, request, results)
        streamed = {} if window is None else {"window": window, "released_chars": released}
        self._record(data, request, outcome, results, started_wall, waited_ms, streamed)
        if outcome.decision == "block":
            raise blocked_by(outcome)
        return outcome

    def _publish_only(
        self, data: dict, auth: Any, texts: list[Text], mode: Mode, phase: Phase = "response"
    ) -> None:
        plan = self._plan(data, auth)
        if not plan.scanners or not texts:
            return
        request = self._request(data, auth, texts, plan, mode, phase, None)
        if total_chars(texts) <= self.settings.chunk_chars:
            self.replies.publish(self.settings.topics.requests.name, request, request.request_id)
            return
        # a long text is scanned in chunks as when the proxy waits, here in the background
        task = asyncio.ensure_future(self._observe(request, plan.budget_ms))
        self._observing.add(task)
        task.add_done_callback(self._observing.discard)

    async def _observe(self, request: ScanRequest, budget_ms: int) -> None:
        """Scan a long request nobody waits for in chunks; the audit pool gets it whole."""
        s = self.settings
        try:
            request = sized(request, budget_ms, s.max_request_bytes, s.scan_bytes_per_s)
        except (PayloadTooLarge, EncodeError) as e:
            log.warning("guardstream: request %s not published: %s", request.request_id, e)
            return
        results = await ask_chunks(
            self.replies,
            replace(request, reply=self.replies.address),
            split(request.texts, s.chunk_chars),
            (request.deadline_ms - request.created_ms) / 1000,
            skip=self.replies.pools.skipped(request.scanners),
            in_flight=s.chunks_in_flight,
        )
        # no reply address: no verdict to wait for
        audit_whole(self.replies, s.topics.audit_joins.name, request, results)

    def _plan(self, data: Mapping[str, Any], auth: Any) -> RequestPlan:
        metadata = request_metadata(data)
        if auth is not None:
            team_meta, key_meta = auth.team_metadata, auth.metadata
        else:  # logging callbacks get no auth object; the proxy copied its metadata here
            team_meta = metadata.get("user_api_key_team_metadata")
            key_meta = metadata.get("user_api_key_metadata")
        toggles = metadata.get("guardrails")
        try:
            return self.settings.plan(
                guardstream_section(team_meta),
                guardstream_section(key_meta),
                toggles if isinstance(toggles, Mapping) else None,
                self.guardrail_name or "",
            )
        except ConfigError as e:
            log.warning("guardstream: ignoring key/team overrides: %s", e)
            return self.settings.plan(None, None, None, self.guardrail_name or "")

    def _request(
        self,
        data: Mapping[str, Any],
        auth: Any,
        texts: list[Text],
        plan: RequestPlan,
        mode: Mode,
        phase: Phase,
        reply: ReplyAddress | None,
        window: int | None = None,
    ) -> ScanRequest:
        now_ms = int(time.time() * 1000)
        request_id = str(data.get("litellm_call_id") or uuid.uuid4())
        return ScanRequest(
            request_id=request_id if window is None else f"{request_id}#w{window}",
            correlation_id=uuid.uuid4().hex,
            mode=mode,
            phase=phase,
            texts=texts,
            scanners=list(plan.scanners),
            created_ms=now_ms,
            deadline_ms=now_ms + plan.budget_ms,
            policy=plan.policy,
            caller=caller_of(data, auth),
            reply=reply,
        )

    def _record(
        self,
        data: dict,
        request: ScanRequest,
        outcome: Outcome,
        results: Mapping[str, ScanResult],
        started: float,
        waited_ms: float,
        streamed: Mapping[str, int],
    ) -> None:
        """Put the verdict into LiteLLM's standard logging payload (no text, only labels);
        ``streamed``: a window's index and what the client had before it."""
        if outcome.fail_policy_applied and not outcome.blocked_by:
            status = "guardrail_failed_to_respond"
        elif outcome.decision != "allow":
            status = "guardrail_intervened"
        else:
            status = "guardrail_flagged" if outcome.flagged else "success"
        self.add_standard_logging_guardrail_information_to_request_data(
            guardrail_json_response={
                "request_id": request.request_id,
                "phase": request.phase,
                "decision": outcome.decision,
                "blocked_by": outcome.blocked_by,
                "flagged": outcome.flagged,
                "timed_out": outcome.timed_out,
                "skipped": outcome.skipped,
                "pending": outcome.pending,
                "failed": outcome.failed,
                "fail_policy_applied": outcome.fail_policy_applied,
                "verdicts": {name: r.verdict for name, r in results.items()},
                "scores": {name: r.scores for name, r in results.items()},
                **streamed,
            },
            request_data=data,
            guardrail_status=status,  # type: ignore[arg-type]
            start_time=started,
            end_time=time.time(),
            duration=waited_ms / 1000,
            masked_entity_count=outcome.masked_labels or None,
            guardrail_provider="guardstream",
            event_type=GuardrailEventHooks(request.mode),
        )

    def _logged_request(self, kwargs: Mapping[str, Any]) -> dict | None:
        """The request as the logging_only path sees it, or None when it should not run."""
        if not self._event_hook_is_event_type(GuardrailEventHooks.logging_only):
            return None
        params = kwargs.get("litellm_params") or {}
        data = {
            "metadata": params.get("metadata") or {},
            "litellm_call_id": kwargs.get("litellm_call_id"),
            "model": kwargs.get("model"),
        }
        if not self.should_run_guardrail(data=data, event_type=GuardrailEventHooks.logging_only):
            return None
        return data

    async def close(self) -> None:
        """Stop the Kafka clients (tests and benchmarks; the proxy just exits)."""
        for task in list(self._observing):
            task.cancel()
        await self.health.stop()
        await self.replies.stop()
        await asyncio.sleep(0)


def _without_litellm_defaults(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``kwargs`` less the keys LiteLLM adds on its own: it passes every field of its
    ``LitellmParams`` that has a default (other providers' settings such as ``version`` or
    ``action``); a field the user set to another value stays, and is refused as unknown."""
    from litellm.types.guardrails import LitellmParams

    fields = LitellmParams.model_fields
    return {
        key: value
        for key, value in kwargs.items()
        if key in KNOWN_KEYS or key not in fields or value != fields[key].default
    }


def _cap_payload_loggers() -> None:
    """Keep aiokafka's loggers at INFO or above even in a DEBUG proxy: at DEBUG its producer
    logs every value it sends and its connections whole requests, i.e. the prompts."""
    logger = logging.getLogger("aiokafka")
    if logger.getEffectiveLevel() < logging.INFO:
        logger.setLevel(logging.INFO)
