"""Every fast path gives the same numbers as the plain path.

The speed work (lamina/packing.py, the flat optimizer update, gradients written straight into preallocated
buffers) must change nothing but the time: the same elementwise operations run in the same order, so the
results are compared bit for bit, not to a tolerance.

These tests run on NumPy's kernels (whose blocks and threads they look into); the compiled kernels are
compared with NumPy's in tests/test_kernels_*.py.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import kernels, optimizers
from lamina.keras import layers
from lamina.packing import flat_base, pack

ROOT = Path(__file__).resolve().parents[1]
NUMPY_KERNELS = {**os.environ, "LAMINA_KERNELS": "numpy"}  # for the tests' child processes


@pytest.fixture(autouse=True)
def numpy_kernels():
    kernels.use("numpy")
    yield
    kernels.use(None)


def make_params(rng, shapes=((5, 4), (4,), (4, 3), (3,))):
    return [lamina.tensor(rng.normal(size=s).astype(np.float32), requires_grad=True) for s in shapes]


OPTIMIZERS = [
    lambda: optimizers.SGD(0.1),
    lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: optimizers.Adagrad(0.1),
    lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: optimizers.Adam(0.01),
    lambda: optimizers.Adam(0.01, amsgrad=True, clipvalue=0.05),
    lambda: optimizers.AdamW(0.01, global_clipnorm=0.1),
    lambda: optimizers.Nadam(0.01),
]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_flat_update_equals_per_parameter_update(make_optimizer):
    rng = np.random.default_rng(0)
    plain = make_params(rng)
    packed = [lamina.tensor(p.data.copy(), requires_grad=True) for p in plain]
    pack(packed)
    assert flat_base([p.data for p in packed]) is not None
    opt_plain, opt_flat = make_optimizer(), make_optimizer()
    for step in range(40):  # past the denormal flush at step 32
        for a, b in zip(plain, packed):
            g = rng.normal(size=a.shape).astype(np.float32) * 10.0 ** -(step % 5)
            a.grad = g.copy()
            np.copyto(b._grad_buffer, g)
            b.grad = b._grad_buffer
        opt_plain.step(plain)
        opt_flat.step(packed)
    assert opt_flat._flat is not None and opt_plain._flat is None
    if opt_plain.global_clipnorm is None:
        same = np.testing.assert_array_equal
    else:
        # The global norm is one dot product over the flat buffer instead of a sum of per-tensor dot
        # products: the same quantity summed in another order, so the clipped steps differ by float32 rounding.
        same = lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for a, b in zip(plain, packed):
        same(a.data, b.data)
    state_plain, state_flat = opt_plain.get_state(), opt_flat.get_state()
    assert state_plain.keys() == state_flat.keys()
    for key in state_plain:
        same(state_plain[key], state_flat[key])


@pytest.mark.parametrize("size", [64, 140_000])  # one block; several blocks (flushed block by block)
def test_flat_path_flushes_subnormal_moments_like_the_plain_path(size):
    rng = np.random.default_rng(1)
    plain = make_params(rng, ((size,),))
    packed = [lamina.tensor(plain[0].data.copy(), requires_grad=True)]
    pack(packed)
    opt_plain, opt_flat = optimizers.Adam(1e-3), optimizers.Adam(1e-3)
    tiny = np.full(size, 1e-19, dtype=np.float32)  # squares to ~1e-38: subnormal second moments
    for _ in range(64):
        plain[0].grad = tiny.copy()
        np.copyto(packed[0]._grad_buffer, tiny)
        packed[0].grad = packed[0]._grad_buffer
        opt_plain.step(plain)
        opt_flat.step(packed)
    v_flat = opt_flat.get_state()["v_sum/0"]
    assert np.all(v_flat == 0)  # flushed: no subnormal left behind
    np.testing.assert_array_equal(opt_plain.get_state()["v_sum/0"], v_flat)
    np.testing.assert_array_equal(plain[0].data, packed[0].data)


def _mlp(seed):
    lamina.utils.set_random_seed(seed)
    model = lamina.keras.Sequential([
        layers.Input(shape=(6,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(8, activation="leaky_relu", kernel_regularizer="l2"),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_packed_training_equals_a_plain_hand_written_loop():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=64)
    fast = _mlp(7)
    slow = _mlp(7)
    slow.build((None, 6))
    loss_fn = lamina.losses.get("sparse_categorical_crossentropy")
    opt = optimizers.Adam()
    for start in range(0, 64, 16):  # the plain path: unpacked weights, fresh gradient arrays
        xb, yb = x[start:start + 16], y[start:start + 16]
        loss = loss_fn(yb, slow(xb, training=True)) + sum(slow.losses)
        for p in slow.trainable_weights:
            p.grad = None
        loss.backward()
        opt.step(slow.trainable_weights)
    fast.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert opt._flat is None and fast.optimizer._flat is not None
    for a, b in zip(slow.get_weights(), fast.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_weight_used_twice_still_gets_its_whole_gradient():
    """A leaf with a preallocated buffer that is used twice must not let one use overwrite the other."""
    rng = np.random.default_rng(3)
    w = lamina.tensor(rng.normal(size=(4, 4)).astype(np.float32), requires_grad=True)
    b = lamina.tensor(np.zeros(4, np.float32), requires_grad=True)
    pack([w, b])
    x = rng.normal(size=(5, 4)).astype(np.float32)
    out = lamina.dense(lamina.dense(x, w, b, "tanh"), w, b, "tanh").sum()
    out.backward()
    packed_grads = (w.grad.copy(), b.grad.copy())
    w2 = lamina.tensor(w.data.copy(), requires_grad=True)
    b2 = lamina.tensor(b.data.copy(), requires_grad=True)
    lamina.dense(lamina.dense(x, w2, b2, "tanh"), w2, b2, "tanh").sum().backward()
    np.testing.assert_allclose(packed_grads[0], w2.grad, rtol=1e-6)
    np.testing.assert_allclose(packed_grads[1], b2.grad, rtol=1e-6)


def test_flat_base_recognises_only_exact_tilings():
    buffer = np.zeros(10, np.float32)
    assert flat_base([buffer[:4].reshape(2, 2), buffer[4:]]) is buffer
    assert flat_base([buffer[:4], buffer[5:]]) is None            # a gap
    assert flat_base([buffer[4:], buffer[:4]]) is None            # out of order
    assert flat_base([buffer[:4], np.zeros(6, np.float32)]) is None


def test_benchmarks_run_in_tiny_mode():
    """The benchmark commands must not rot: run them on synthetic data in seconds."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_bench.py"), "--tiny", "-w", "A,C",
                           "-f", "lamina,torch"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "workload A" in done.stdout and "workload C" in done.stdout
    assert "lamina " in done.stdout and "failed" not in done.stdout
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "op_overhead.py"), "--repeat", "20"],
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "lamina overhead beyond NumPy" in done.stdout


@pytest.mark.parametrize("make_optimizer", [OPTIMIZERS[1], OPTIMIZERS[4], OPTIMIZERS[5]])
def test_flat_update_in_cache_blocks_equals_per_parameter_update(make_optimizer):
    """Buffers larger than two cache blocks are updated block by block: still the same numbers."""
    from lamina.kernels import blocks
    rng = np.random.default_rng(4)
    plain = make_params(rng, ((300, 500), (500,), (70, 11)))
    assert sum(p.data.size for p in plain) >= 2 * blocks.CACHE_BLOCK
    packed = [lamina.tensor(p.data.copy(), requires_grad=True) for p in plain]
    pack(packed)
    opt_plain, opt_flat = make_optimizer(), make_optimizer()
    for _ in range(34):  # past a flush of tiny moments (every 32 steps), done block by block
        for a, b in zip(plain, packed):
            g = rng.normal(size=a.shape).astype(np.float32)
            a.grad = g.copy()
            np.copyto(b._grad_buffer, g)
            b.grad = b._grad_buffer
        opt_plain.step(plain)
        opt_flat.step(packed)
    for a, b in zip(plain, packed):
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("make_optimizer", [OPTIMIZERS[4], OPTIMIZERS[6], OPTIMIZERS[7], OPTIMIZERS[3]])
def test_flat_update_split_over_two_threads_equals_one_thread(make_optimizer, monkeypatch):
    """A large buffer's update runs in two halves on two threads: the same numbers, bit for bit."""
    from lamina.kernels import blocks
    from lamina.utils import blas_threads
    monkeypatch.setattr(blocks, "PARALLEL_MIN", 1000)
    monkeypatch.setattr(blocks, "PARALLEL_BLOCK", 3001)  # blocks that do not divide the halves evenly
    monkeypatch.setattr(blocks, "CACHE_BLOCK", 2000)
    released = []
    monkeypatch.setattr(blas_threads, "release_idle_blas_workers", lambda own_threads=0: released.append(1) or True)
    rng = np.random.default_rng(5)
    shapes = ((61, 100), (100,), (100, 13), (13,))
    one, two = make_params(rng, shapes), make_params(rng, shapes)
    for a, b in zip(one, two):
        b.data[...] = a.data
    pack(one)
    pack(two)
    opt_one, opt_two = make_optimizer(), make_optimizer()
    opt_one.update_threads, opt_two.update_threads = 1, 2
    for _ in range(40):  # past a denormal flush (every 32 steps)
        for a, b in zip(one, two):
            g = rng.normal(size=a.shape).astype(np.float32)
            np.copyto(a._grad_buffer, g)
            np.copyto(b._grad_buffer, g)
            a.grad, b.grad = a._grad_buffer, b._grad_buffer
        opt_one.step(one)
        opt_two.step(two)
    assert len(released) == 40  # the split path ran every step
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a.data, b.data)
    state_one, state_two = opt_one.get_state(), opt_two.get_state()
    for key in state_one:
        np.testing.assert_array_equal(state_one[key], state_two[key])


def test_split_update_raises_what_the_worker_raised(monkeypatch):
    from lamina.kernels import blocks
    from lamina.utils import blas_threads
    monkeypatch.setattr(blas_threads, "release_idle_blas_workers", lambda own_threads=0: True)
    seen = []

    def update(part, lane):
        seen.append((part.start, part.stop, lane))
        if part.start >= 2 * blocks.PARALLEL_BLOCK:
            raise FloatingPointError("from the second half")

    with pytest.raises(FloatingPointError, match="second half"):
        blocks.run_in_blocks(update, 4 * blocks.PARALLEL_BLOCK, threads=2)
    # The first half ran to its end on the calling thread (lane 0) although the worker (lane 1) failed.
    assert (0, blocks.PARALLEL_BLOCK, 0) in seen and (blocks.PARALLEL_BLOCK, 2 * blocks.PARALLEL_BLOCK, 0) in seen
    assert (2 * blocks.PARALLEL_BLOCK, 3 * blocks.PARALLEL_BLOCK, 1) in seen


def test_blas_workers_are_left_alone_while_another_thread_runs():
    import threading
    from lamina.utils import blas_threads
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert blas_threads.release_idle_blas_workers() is False  # it might be inside a matrix product
    finally:
        stop.set()
        other.join()
    # Alone in a fresh process, it releases them when an OpenBLAS is loaded, and products still work after.
    code = ("import numpy as np; from lamina.utils import blas_threads as b; a = np.ones((64, 64), np.float32); "
            "a @ a; assert b.release_idle_blas_workers() == b.available(); assert (a @ a == 64).all(); "
            "print('available', b.available())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_training_with_the_real_two_thread_update_equals_one_thread():
    """End to end, in a fresh process: OpenBLAS's workers really released, the worker thread really used."""
    code = r"""
import numpy as np, lamina
from lamina.keras import layers
from lamina.kernels import blocks
blocks.PARALLEL_MIN, blocks.PARALLEL_BLOCK, blocks.CACHE_BLOCK = 1000, 3001, 2000  # the 11,139 weights below: split
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 20)).astype(np.float32); y = rng.integers(0, 3, 256)
weights = []
for threads in (1, 2):
    lamina.utils.set_random_seed(1)
    model = lamina.keras.Sequential([layers.Input(shape=(20,)), layers.Dense(128, activation="relu"),
                                     layers.Dense(64, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.optimizer.update_threads = threads
    model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    weights.append(model.get_weights())
for a, b in zip(*weights):
    assert np.array_equal(a, b)
from lamina.utils import blas_threads
assert (blocks._pool is not None) == blas_threads.available(), "the split path did not run"
print("ok", blas_threads.available())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=NUMPY_KERNELS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")
def test_split_update_still_works_in_a_forked_child():
    """The parent's worker thread does not survive fork(); the child must not wait for it."""
    code = r"""
import os, numpy as np
from lamina.kernels import blocks
from lamina.utils import blas_threads
blas_threads.release_idle_blas_workers = lambda own_threads=0: True   # split even without OpenBLAS
seen = []
blocks.run_in_blocks(lambda part, lane: seen.append(lane), 4 * blocks.PARALLEL_BLOCK, threads=2)
assert 1 in seen and blocks._pool is not None
pid = os.fork()
if pid == 0:
    lanes = []
    blocks.run_in_blocks(lambda part, lane: lanes.append(lane), 4 * blocks.PARALLEL_BLOCK, threads=2)
    os._exit(0 if 1 in lanes else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=NUMPY_KERNELS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
