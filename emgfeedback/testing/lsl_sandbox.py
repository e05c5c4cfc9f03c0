"""Run LSL code confined to this machine: a child process in a fresh network namespace.

LSL multicasts and broadcasts on the LAN by default. :func:`run_confined` runs a Python script in
a child process inside a new network namespace that has only loopback (``unshare --net``, which
needs root or user namespaces), with ``LSLAPICFG`` pointing at a config limited to this machine
(``ResolveScope = machine``, no IPv6, ``KnownPeers = 127.0.0.1``). If the namespace cannot be made
it raises instead of running unconfined. The script reports by printing one JSON object as its
last line of stdout.

(First written by the ``lsl://`` driver's tests; shared here for every LSL test.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["LSL_CONFIG", "run_confined", "SandboxError"]

LSL_CONFIG = """\
[ports]
IPv6 = disable
[multicast]
ResolveScope = machine
ListenAddress = 127.0.0.1
[lab]
KnownPeers = {127.0.0.1}
"""


class SandboxError(RuntimeError):
    """The confined child could not be started or failed."""


def run_confined(script: str, workdir: "str | Path", *, timeout: float = 120.0) -> Any:
    """Run ``script`` with LSL confined to loopback; return the JSON of its last stdout line.

    Parameters
    ----------
    script : str
        Python source run with ``sys.executable -c``.
    workdir : str or Path
        A folder for the LSL config file.
    timeout : float
        Seconds before the child is killed.

    Raises
    ------
    SandboxError
        ``unshare``/``ip`` are missing, the namespace cannot be created, or the script failed
        (its stdout and stderr are in the message).
    """
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not (unshare and ip):
        raise SandboxError("LSL tests need util-linux 'unshare' and iproute2 'ip' to isolate LSL")
    cfg = Path(workdir) / "lsl_api.cfg"
    cfg.write_text(LSL_CONFIG)
    env = dict(os.environ, LSLAPICFG=str(cfg))
    cmd = [unshare, "--net", "--", "sh", "-c", f'{ip} link set lo up && exec "$0" -c "$1"',
           sys.executable, script]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise SandboxError(
            "the confined LSL script failed or the private network namespace could not be made "
            f"(unshare --net needs root or user namespaces); refusing to run LSL unconfined.\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise SandboxError(f"the confined LSL script printed nothing; stderr: {proc.stderr}")
    return json.loads(lines[-1])
