# Copyright: (c) 2026, webex-vault maintainers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""What the host-side steps (plugin_binary, dev_server) share, as plain functions: the module
runs them on a remote host, and its action plugin runs the same functions itself when the host
is the controller. Nothing here depends on AnsibleModule."""

from __future__ import annotations

import grp
import os
import pwd
import ssl

from ansible.module_utils.urls import Request


class HostTaskError(Exception):
    """A step that cannot go on, in one sentence; details go into the task's result."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


class Host:
    """What a step needs from where it runs: check mode, commands and warnings. The module
    gives AnsibleModule's; the action plugin its own."""

    def __init__(self, check_mode, run_command=None, warn=None):
        self.check_mode = check_mode
        self._run_command = run_command
        self._warn = warn
        self.warnings = []

    def run(self, argv, environ_update):
        """(rc, stdout, stderr) of argv with environ_update added to the environment."""
        return self._run_command(argv, environ_update)

    def warn(self, message):
        self.warnings.append(message)
        if self._warn is not None:
            self._warn(message)


def open_http(url, timeout, validate_certs=True):
    """The response to a GET of url (http, https or file), as open_url gives it. open_url
    builds a TLS context for every request, loading the system's CA certificates (about 50 ms),
    which a plain http:// request (the local dev server, a loopback mirror) never uses: that
    one gets a verifying context without them, so a redirect to https:// fails rather than
    going unverified."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if url.lower().startswith("http://") else None
    return Request().open(
        "GET", url, timeout=timeout, validate_certs=validate_certs, force=True, context=context
    )


def octal_mode(mode):
    """The permission bits a mode option gives ("0750"); HostTaskError if it is not octal."""
    try:
        bits = int(str(mode), 8)
    except ValueError:
        bits = -1
    if not 0 <= bits <= 0o7777:
        raise HostTaskError(f"mode must be an octal number such as 0750, not '{mode}'.")
    return bits


def _uid(owner):
    if str(owner).isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise HostTaskError(f"owner '{owner}' is not a user on this host.") from None


def _gid(group):
    if str(group).isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise HostTaskError(f"group '{group}' is not a group on this host.") from None


def set_attributes(host, path, mode, owner="", group=""):
    """path gets mode (octal text), and owner and group when given; whether anything differed
    (in check mode nothing is set)."""
    status = os.stat(path)
    wanted_mode = octal_mode(mode)
    uid = _uid(owner) if owner else status.st_uid
    gid = _gid(group) if group else status.st_gid
    changed = False
    if status.st_mode & 0o7777 != wanted_mode:
        changed = True
        if not host.check_mode:
            os.chmod(path, wanted_mode)
    if (status.st_uid, status.st_gid) != (uid, gid):
        changed = True
        if not host.check_mode:
            os.chown(path, uid, gid)
    return changed


def described(path, sha256=None):
    """What a diff shows of a file: its sha256 (when asked), mode, owner and group."""
    status = os.stat(path)
    try:
        owner = pwd.getpwuid(status.st_uid).pw_name
    except KeyError:
        owner = str(status.st_uid)
    try:
        group = grp.getgrgid(status.st_gid).gr_name
    except KeyError:
        group = str(status.st_gid)
    shown = {"mode": f"{status.st_mode & 0o7777:04o}", "owner": owner, "group": group}
    return {"sha256": sha256, **shown} if sha256 is not None else shown
