"""Who sent a request and what their key, team and request metadata say, as LiteLLM hands it to
the guardrail hooks (with an auth object) or to the logging callbacks (copied into metadata)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from topics import Caller

__all__ = ["caller_of", "guardstream_section", "request_metadata"]


def request_metadata(data: Mapping[str, Any]) -> Mapping[str, Any]:
    for key in ("metadata", "litellm_metadata"):
        value = data.get(key)
        if isinstance(value, Mapping) and value:
            return value
    return {}


def guardstream_section(metadata: object) -> Mapping[str, Any] | None:
    if isinstance(metadata, Mapping):
        section = metadata.get("guardstream")
        if isinstance(section, Mapping):
            return section
    return None


def caller_of(data: Mapping[str, Any], auth: Any) -> Caller:
    """Who sent the request, by alias and id; never the key itself."""
    if auth is not None:
        key_alias, team = auth.key_alias, auth.team_alias or auth.team_id
        user = auth.user_id
    else:
        meta = request_metadata(data)
        key_alias = meta.get("user_api_key_alias")
        team = meta.get("user_api_key_team_alias") or meta.get("user_api_key_team_id")
        user = meta.get("user_api_key_user_id")
    return Caller(
        key_alias=str(key_alias or ""),
        team=str(team or ""),
        user=str(user or ""),
        model=str(data.get("model") or ""),
    )
