"""A watcher per process that names the rank when the process is killed.

A process killed with SIGKILL (by hand, by the out-of-memory killer, by a batch system) cannot say anything,
and MPICH's launcher then kills the others and prints the PID of one of the processes it saw end (in our runs,
often not the one that was killed). So each process of a data-parallel job starts a small watcher (a
separate Python that imports nothing from Lamina) holding the read end of a pipe from it, in a session of its
own so that the launcher's clean-up does not reach it. At a normal exit, or when Lamina ends the job itself
after printing why, the process writes ``done`` into the pipe. If the pipe closes without it, the process
died abruptly, and the watcher prints

    lamina.distribution: rank 1 of 3 (pid 18524 on vm) died abruptly (killed by a signal, e.g. SIGKILL or the
    out-of-memory killer)

unless another process of the job on this machine had already ended by then: that one failed first, and this
one was ended by the launcher's clean-up (its watcher stays silent).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys

_WATCHER = r"""
import os, sys
rank, size, host, pid = sys.argv[1:5]
data = sys.stdin.buffer.read()  # returns when the process ends and its end of the pipe closes
if b"done" in data:
    sys.exit(0)

def ended(peer):
    try:
        os.kill(peer, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    try:  # a process that has died but not yet been reaped by the launcher is a zombie
        with open(f"/proc/{peer}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except OSError:
        return False

peers = [int(p) for line in data.splitlines() if line.startswith(b"peers:") for p in line[6:].split(b",") if p]
if not any(ended(peer) for peer in peers):
    os.write(2, (f"lamina.distribution: rank {rank} of {size} (pid {pid} on {host}) died abruptly (killed by a "
                 f"signal, e.g. SIGKILL or the out-of-memory killer); the launcher ends the other processes\n"
                 ).encode())
"""


class Watcher:
    """Starts the watcher of this process (rank ``rank`` of ``size``); ``done()`` tells it the exit is normal."""

    def __init__(self, rank: int, size: int, host: str) -> None:
        self._pipe = None
        try:
            process = subprocess.Popen([sys.executable, "-S", "-c", _WATCHER, str(rank), str(size), host,
                                        str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       start_new_session=True, close_fds=True)
        except OSError:
            return  # no watcher: a killed process is then reported by the launcher alone
        self._pipe = process.stdin
        atexit.register(self.done)

    def tell_peers(self, pids: list[int]) -> None:
        """The PIDs of the other processes of the job on this machine (to tell a failure from the clean-up)."""
        self._write(b"peers:" + ",".join(map(str, pids)).encode() + b"\n")

    def done(self) -> None:
        """The process ends normally, or after reporting its own failure: the watcher exits silently."""
        self._write(b"done\n")
        if self._pipe is not None:
            try:
                self._pipe.close()
            except OSError:
                pass
            self._pipe = None

    def _write(self, data: bytes) -> None:
        if self._pipe is None:
            return
        try:
            self._pipe.write(data)
            self._pipe.flush()
        except OSError:
            pass
