"""Issue 12, items 4 and 5: what killed saves leave behind, and what overwriting keeps.

Every save writes a hidden temporary ``.<name>.<12 hex digits>.tmp`` beside the target and renames it over the
target. A ``kill -9`` during the write leaves that temporary behind; the next successful save to the same path
removes the temporaries of that path whose writer is gone (and nothing else). Overwriting keeps the existing
file's permission bits, and saving to a symbolic link writes the file it points to (the link stays a link).
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models import Sequential, load_model
from lamina.utils.io import atomic_write
from lamina.utils import io

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
TEMPORARY = re.compile(r"^\.model\.lamina\.[0-9a-f]{12}\.tmp$")

# Saves a model and stops in the middle of writing its arrays (its temporary file open), to be killed there: a
# kill at a known point of the write, whatever the machine's speed.
SAVER = textwrap.dedent("""
    import sys, time
    import lamina
    from lamina import layers
    from lamina.models import Sequential, saving
    lamina.utils.set_random_seed(0)
    model = Sequential([layers.Input(shape=(60,)), layers.Dense(60), layers.Dense(60)])
    write_array = saving._write_array
    def write_then_wait(archive, name, array):
        write_array(archive, name, array)
        print("writing", flush=True)
        time.sleep(600)
    saving._write_array = write_then_wait
    model.save(sys.argv[1])
""")


def small_model() -> Sequential:
    lamina.utils.set_random_seed(1)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def temporaries(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if TEMPORARY.match(name))


def kill_during_save(target: str) -> None:
    """Start a process that saves to ``target``, and SIGKILL it while it is writing the temporary file."""
    child = subprocess.Popen([sys.executable, "-c", SAVER, target], stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": SRC})
    try:
        assert child.stdout.readline().strip() == b"writing"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals to kill a process mid-save")
def test_killed_saves_are_cleaned_by_the_next_save(tmp_path) -> None:
    target = str(tmp_path / "model.lamina")
    # Files the cleaning must never touch: other targets' temporaries, near-misses of the pattern, user files.
    bystanders = [".other.lamina.0123456789ab.tmp", ".model.lamina.tmp", ".model.lamina.0123456789ab.tmp.bak",
                  "model.lamina.0123456789ab.tmp", ".model.lamina.0123456789AB.tmp", ".model.lamina.01234.tmp",
                  "notes.txt"]
    for name in bystanders:
        (tmp_path / name).write_bytes(b"keep me")
    for _ in range(4):
        kill_during_save(target)
    assert len(temporaries(tmp_path)) == 4, "each save killed mid-write leaves its temporary"
    if os.path.exists(target):  # each kill left the previous file whole
        load_model(target)

    model = small_model()
    model.save(target)
    assert temporaries(tmp_path) == []
    assert sorted(os.listdir(tmp_path)) == sorted(bystanders + ["model.lamina"])
    for name in bystanders:
        assert (tmp_path / name).read_bytes() == b"keep me"
    load_model(target)


# Holds an exclusive lock on a temporary of the target, as a save in progress does, until stdin closes.
HOLDER = textwrap.dedent("""
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("holding", flush=True)
    sys.stdin.read()
""")


@pytest.mark.skipif(sys.platform == "win32", reason="the lock that marks a save in progress is POSIX flock")
def test_a_save_in_progress_elsewhere_is_not_disturbed(tmp_path) -> None:
    target = tmp_path / "model.lamina"
    live = tmp_path / ".model.lamina.00112233aabb.tmp"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(live)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"holding"
        past = time.time() - 3600
        os.utime(live, (past, past))  # old, but its writer is alive
        small_model().save(target)
        assert live.exists()
    finally:
        holder.stdin.close()
        holder.wait()
        holder.stdout.close()
    small_model().save(target)  # the writer is gone now
    assert not live.exists()


def test_a_failed_write_removes_its_own_temporary_and_keeps_the_target(tmp_path) -> None:
    target = tmp_path / "model.lamina"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as handle:
            handle.write(b"partial")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert temporaries(tmp_path) == []


SAVES = {
    "lamina": lambda model, path: model.save(path),
    "keras": lambda model, path: model.save(path),
    "npz": lambda model, path: model.save_weights(path),
}
NAMES = {"lamina": "model.lamina", "keras": "model.keras", "npz": "model.weights.npz"}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
@pytest.mark.parametrize("kind", sorted(SAVES))
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_overwriting_keeps_the_permission_bits(tmp_path, kind, mode) -> None:
    if kind == "keras":
        pytest.importorskip("h5py", reason="writing .keras files needs h5py")
    target = tmp_path / NAMES[kind]
    model = small_model()
    SAVES[kind](model, target)
    os.chmod(target, mode)
    SAVES[kind](model, target)
    assert stat.S_IMODE(os.stat(target).st_mode) == mode


def test_a_new_file_gets_the_umask_permissions(tmp_path) -> None:
    umask = os.umask(0o027)
    os.umask(umask)
    small_model().save(tmp_path / "model.lamina")
    assert stat.S_IMODE(os.stat(tmp_path / "model.lamina").st_mode) == 0o666 & ~umask


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symbolic links")
@pytest.mark.parametrize("kind", sorted(SAVES))
def test_saving_to_a_symlink_writes_its_target(tmp_path, kind) -> None:
    if kind == "keras":
        pytest.importorskip("h5py", reason="writing .keras files needs h5py")
    store = tmp_path / "store"
    links = tmp_path / "links"
    store.mkdir()
    links.mkdir()
    target = store / NAMES[kind]
    link = links / NAMES[kind]
    os.symlink(os.path.join("..", "store", NAMES[kind]), link)  # relative, into another folder
    model = small_model()
    SAVES[kind](model, link)  # the link dangles: the save creates its target
    assert link.is_symlink() and target.is_file()
    model.set_weights([w + 1 for w in model.get_weights()])
    SAVES[kind](model, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "store", NAMES[kind])
    assert sorted(os.listdir(links)) == [NAMES[kind]] and sorted(os.listdir(store)) == [NAMES[kind]]
    fresh = small_model()
    if kind == "npz":
        fresh.load_weights(str(target))
    else:
        fresh = load_model(target)
    for got, expected in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.skipif(io.fcntl is None, reason="flock is POSIX")
def test_a_temporary_removed_before_it_was_locked_is_replaced(tmp_path, monkeypatch) -> None:
    # Another process's cleaning may remove a temporary in the instant between its creation and its lock (both
    # can carry the same clock tick); the save must notice and write through a new one, not into a lost file.
    target = str(tmp_path / "w.npz")
    real_flock = io.fcntl.flock
    removed = []

    def flock_after_a_cleaner(fd, operation):
        if not removed:
            name = next(n for n in os.listdir(tmp_path) if n.endswith(".tmp"))
            os.unlink(tmp_path / name)
            removed.append(name)
        return real_flock(fd, operation)

    monkeypatch.setattr(io.fcntl, "flock", flock_after_a_cleaner)
    with io.atomic_write(target) as handle:
        handle.write(b"content")
    assert open(target, "rb").read() == b"content"
    assert removed and os.listdir(tmp_path) == ["w.npz"]
