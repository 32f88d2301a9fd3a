"""A watcher per process that names the rank when the process is killed.

A process killed with SIGKILL (by hand, by the out-of-memory killer, by a batch system) cannot say anything,
and MPICH's launcher then kills the others and prints the PID of one of the processes it saw end (in our runs,
often not the one that was killed). So each process of a data-parallel job starts a small watcher (a
separate Python that imports nothing from Lamina) holding the read end of a pipe from it, in a session of its
own so that the launcher's clean-up does not reach it. At a normal exit the process writes ``done`` into the
pipe. If the pipe closes without it, the process died abruptly, and the watcher prints

    lamina.distribution: rank 1 of 3 (pid 18524 on vm) died abruptly (killed by a signal, e.g. SIGKILL or the
    out-of-memory killer); the launcher ends the other processes

The launcher then kills the other processes, whose watchers must stay silent. The first watcher of the job on a
machine to wake up claims the failure by creating a file named after the job (``O_EXCL``: one creator); the
later ones find it and say nothing. The killed process dies milliseconds before the launcher's clean-up, so its
watcher is normally the first awake. When Lamina itself ends the job after printing why (an exception, a
stall), the process claims the failure before aborting, and every watcher stays silent. (On several machines
each machine has its own claim: the first process killed on another machine may be named too; the earliest
line names the failure.)
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import time

#: A claim older than this is from an earlier job whose first process had the same PID: it is replaced.
STALE_CLAIM_SECONDS = 60.0

_WATCHER = r"""
import os, sys, time
rank, size, host, pid, claims, stale = sys.argv[1:7]
data = sys.stdin.buffer.read()  # returns when the process ends and its end of the pipe closes
if b"done" in data and b"claimed" not in data:
    sys.exit(0)
jobs = [line[4:].decode() for line in data.splitlines() if line.startswith(b"job:")]
claim = os.path.join(claims, f"lamina-dist-{jobs[0]}.failed") if jobs else None

def remove_claim_later():
    # The other watchers wake within a second of the failure; then the claim has served. Close the launcher's
    # stderr first, so that it need not wait for this process.
    for fd in (0, 1, 2):
        try:
            os.close(fd)
        except OSError:
            pass
    time.sleep(10)
    try:
        os.unlink(claim)
    except OSError:
        pass

if b"claimed" in data:  # Lamina reported the failure and claimed it
    if claim:
        remove_claim_later()
    sys.exit(0)
if claim:
    for attempt in (0, 1):
        try:
            os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            break
        except FileExistsError:
            try:
                if attempt == 0 and time.time() - os.path.getmtime(claim) > float(stale):
                    os.unlink(claim)
                    continue
            except OSError:
                pass
            sys.exit(0)  # another process of this job failed first
        except OSError:
            break  # no claim possible: report anyway
os.write(2, (f"lamina.distribution: rank {rank} of {size} (pid {pid} on {host}) died abruptly (killed by a "
             f"signal, e.g. SIGKILL or the out-of-memory killer); the launcher ends the other processes\n").encode())
if claim:
    remove_claim_later()
"""


def _claim_path(job: str) -> str:
    return os.path.join(tempfile.gettempdir(), f"lamina-dist-{job}.failed")


class Watcher:
    """Starts the watcher of this process (rank ``rank`` of ``size``); ``done()`` tells it the exit is normal."""

    def __init__(self, rank: int, size: int, host: str) -> None:
        self._pipe = None
        self._job: str | None = None
        try:
            process = subprocess.Popen([sys.executable, "-S", "-c", _WATCHER, str(rank), str(size), host,
                                        str(os.getpid()), tempfile.gettempdir(), str(STALE_CLAIM_SECONDS)],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True,
                                       close_fds=True)
        except OSError:
            return  # no watcher: a killed process is then reported by the launcher alone
        self._pipe = process.stdin
        atexit.register(self.done)

    def tell_job(self, job: str) -> None:
        """The job's name, the same on every process (rank 0's PID and host), which names the claim file."""
        self._job = "".join(c if c.isalnum() or c in "-_." else "_" for c in job)
        self._write(f"job:{self._job}\n".encode())

    def claim(self) -> None:
        """Lamina is ending the job itself, having printed why: no watcher on this machine reports a death (this
        process's watcher removes the claim a little later)."""
        if self._job is not None:
            try:
                path = _claim_path(self._job)
                with open(path, "w"):
                    pass
                os.utime(path, (time.time(), time.time()))
                self._write(b"claimed\n")
            except OSError:
                pass
        self.done()

    def done(self) -> None:
        """The process ends normally: the watcher exits silently."""
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
