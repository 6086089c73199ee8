# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Files the actions keep on the controller (the samples' settings files): read with their
mode, and replaced whole, never readable by others on the way."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def current(dest: Path) -> tuple[bytes | None, int | None]:
    """(content, permission bits) of dest, or (None, None) when there is no such file."""
    try:
        return dest.read_bytes(), stat.S_IMODE(dest.stat().st_mode)
    except FileNotFoundError:
        return None, None


def replace(dest: Path, data: bytes, mode: int) -> None:
    """dest holds data with mode: a temporary file beside it, created with that mode, then
    renamed, so that readers see the old file or the new one and nobody else the content."""
    descriptor, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    temporary = Path(name)
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        temporary.replace(dest)
    finally:
        temporary.unlink(missing_ok=True)
