# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Small files on the task's host (not the controller), read and written by a controller-side
action through the task's connection, with Ansible's own stat, slurp and copy modules: the
same connection, become and temporary directory a copy task would use.

The content never leaves the action: it goes to the host as a temporary file in the task's
remote temporary directory (removed when the action is done) and is moved into place by the
copy module, atomically and with its owner, group and mode already set."""

from __future__ import annotations

import base64
import posixpath


class HostFileError(Exception):
    """A file on the host could not be read or written, in one sentence."""


class HostFiles:
    def __init__(self, action, task_vars):
        self._action = action
        self._task_vars = task_vars
        self._tmp = None

    def stat(self, path: str) -> dict | None:
        """owner, group, mode ("0600") and sha1 checksum of path, or None when it is missing."""
        answer = self._module(
            "ansible.legacy.stat",
            {"path": path, "get_checksum": True, "get_mime": False, "get_attributes": False},
        )
        found = answer.get("stat") or {}
        if not found.get("exists"):
            return None
        if not found.get("isreg"):
            raise HostFileError(f"{path} on the host is not a regular file.")
        return {
            "owner": found.get("pw_name"),
            "group": found.get("gr_name"),
            "mode": found.get("mode"),
            "checksum": found.get("checksum"),
        }

    def read(self, path: str) -> bytes | None:
        """The content of path, or None when it is missing."""
        answer = self._module("ansible.legacy.slurp", {"src": path}, missing_ok=True)
        if answer is None:
            return None
        return base64.b64decode(answer["content"])

    def write(self, path: str, data: bytes, owner: str, group: str, mode: str) -> None:
        """path holds data, with owner and group (empty: the connecting user's) and mode."""
        if self._tmp is None:
            self._tmp = self._action._make_tmp_path()
        source = self._action._connection._shell.join_path(self._tmp, "content")
        self._action._transfer_data(source, data)
        self._action._fixup_perms2((self._tmp, source))
        arguments = {
            "src": source,
            "dest": path,
            "mode": mode,
            "follow": False,
            "_original_basename": posixpath.basename(path),
        }
        for key, value in (("owner", owner), ("group", group)):
            if value:
                arguments[key] = value
        self._module("ansible.legacy.copy", arguments)

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._action._remove_tmp_path(self._tmp)
            self._tmp = None

    def _module(self, name: str, arguments: dict, missing_ok: bool = False) -> dict | None:
        # The modules' results stay in this process; whatever they carried is not printed.
        answer = self._action._execute_module(
            module_name=name, module_args=arguments, task_vars=self._task_vars
        )
        if answer.get("failed"):
            message = str(answer.get("msg") or "").strip()
            if missing_ok and "not found" in message:
                return None
            target = arguments.get("dest") or arguments.get("path") or arguments.get("src")
            verb = name.rsplit(".", 1)[-1]
            raise HostFileError(f"{verb} of {target} on the host failed: {message}")
        return answer
