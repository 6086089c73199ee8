"""The KV version 2 part of the fake Vault (fake_vault): secrets kept in a dict by their data
path, read and written, listed one folder level at a time, deleted with all their versions."""

from __future__ import annotations

from typing import Any

# (HTTP status, JSON body or None for an empty answer)
Answer = tuple[int, Any]
NOT_THERE: Answer = (404, {"errors": []})


def kv_request(
    kv: dict[str, Any], mount: str, method: str, path: str, body: Any, listing: bool
) -> Answer | None:
    """Vault's answer to a request under the KV mount `mount` ("name/"), or None for a path
    that is neither data/ nor metadata/."""
    data_prefix = f"{mount}data/"
    if path.startswith(data_prefix):
        if method == "GET":
            data = kv.get(path)
            return NOT_THERE if data is None else (200, {"data": {"data": data}})
        kv[path] = body["data"]
        return 200, {"data": {"version": 1}}
    if not path.startswith(f"{mount}metadata/"):
        return None
    key = path.removeprefix(f"{mount}metadata/")
    if method == "DELETE":
        kv.pop(data_prefix + key, None)
        return 204, None
    if not listing:
        return 405, {"errors": ["unsupported operation"]}
    folder = data_prefix + key.rstrip("/") + "/"
    below = {stored.removeprefix(folder) for stored in kv if stored.startswith(folder)}
    keys = sorted({part.split("/")[0] + ("/" if "/" in part else "") for part in below})
    return (200, {"data": {"keys": keys}}) if keys else NOT_THERE
