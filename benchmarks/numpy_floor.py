"""The hand-written NumPy reference ("the floor") of the training benchmark.

What it is for: it measures how fast pure NumPy trains the benchmark's networks on this machine when nothing
stands between the network and NumPy -- no autodiff, no layers, no framework, gradients derived by hand, one
file. Any NumPy-only library (Lamina) does at least this work, so this is the time it is compared against.
It does exactly the work of the other runners in ``workloads.py`` (same architecture, initialisation, loss,
optimizer, batch size, shuffling, and the test accuracy at the end), only written as directly as possible:

* every activation and gradient buffer is allocated once per batch size and written with ``out=``;
* all parameters live in one flat float32 buffer (each weight is a view of it), all gradients in another,
  so Adam is ten ufunc calls over the flat buffers instead of a dozen per weight;
* Adam runs over the flat buffers in blocks of 65536 elements, so that a block's parameters, gradient,
  moments and scratch (5 x 256 KiB) stay in L2 cache across the ten passes;
* ReLU and Dropout share one saved mask, so their backward is one multiplication; the first layer computes
  no input gradient; sums over the batch are ``ones @ a`` (BLAS) rather than ``np.sum(a, axis=0)``;
  dropout masks come from raw 32-bit random integers (half the cost of ``rng.random(dtype=float32)``);
* all arithmetic is float32 (scalars are cast to the buffers' dtype: a Python float is fine under NumPy 2's
  rules, a float64 NumPy scalar would not be).

Network (hidden layers i = 1..L, input a_0 = x, one batch of B samples, ``*`` elementwise)::

    z_i = a_{i-1} W_i + b_i                                     Dense, glorot_uniform W, zero b
    h_i = gamma_i * (z_i - mu_i) / sqrt(var_i + eps) + beta_i    BatchNorm (optional; else h_i = z_i), Keras's:
                                                                mu, var over the batch, biased var, eps 1e-3
    a_i = h_i * M_i,  M_i = [h_i > 0] * keep_i / (1 - rate)     ReLU and inverted Dropout (optional) in one mask
    p   = softmax(a_L W_o + b_o)
    loss = -mean_n log p[n, y_n]                                sparse categorical cross-entropy

Backward, written into the flat gradient buffer (g_v means dloss/dv)::

    g_logits = (p - onehot(y)) / B
    g_W = a_prev^T g_z,   g_b = sum_n g_z,   g_{a_prev} = g_z W^T   (not for the first layer: x needs none)
    g_h = g_a * M                                                ReLU and Dropout: the saved mask
    BatchNorm, with xc = z - mu, s = 1 / sqrt(var + eps), xhat = xc s:
        g_gamma = sum_n g_h * xhat,   g_beta = sum_n g_h
        g_z = gamma s * (g_h - (g_beta + xhat g_gamma) / B)     (the batch statistics' paths included)

In inference (test accuracy) BatchNorm uses the moving statistics, updated after every training step as
``moving = 0.99 moving + 0.01 batch`` (mean and biased variance), and there is no dropout.

Adam, Keras's form (t counts steps from 1; lr 1e-3, beta_1 0.9, beta_2 0.999, eps 1e-7)::

    m = beta_1 m + (1 - beta_1) g
    v = beta_2 v + (1 - beta_2) g^2
    w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps sqrt(1 - beta_2^t))

(computed with the moments stored scaled by 1 / (1 - beta), which saves two passes: see ``FlatAdam``).

Every 32 steps moments with |m|, |v| < 1e-30 are set to zero: they decay geometrically and would otherwise
become subnormal floats, on which arithmetic is many times slower; 1e-30 is far too small to move a weight.

Workload C (XOR) is the notes' 2-2-1 network: leaky ReLU (alpha 0.2) hidden layer with he_normal weights,
linear output, mean squared error, Adam(learning_rate=0.05), 100 full-batch steps on the 4 points.
"""

from __future__ import annotations

import time

import numpy as np

ADAM_BLOCK = 65536                # elements per Adam block: 5 arrays x 256 KiB fit the L2 cache
FLUSH_EVERY = 32                  # steps between flushes of tiny Adam moments
FLUSH_THRESHOLD = {np.dtype(np.float32): 1e-30, np.dtype(np.float64): 1e-290}
BN_MOMENTUM = 0.99
BN_EPSILON = 1e-3
EVAL_BATCH = 1024


# ----- parameters --------------------------------------------------------------------------------------------
def carve(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of consecutive segments of the 1-D ``flat``, one per shape (each C-contiguous, so usable as out=)."""
    views, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[offset:offset + size].reshape(shape))
        offset += size
    assert offset == flat.size
    return views


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Keras's he_normal: a normal truncated at 2 standard deviations, widened so the variance is 2 / fan_in."""
    stddev = np.sqrt(2.0 / fan_in) / 0.87962566103423978
    w = rng.normal(0.0, stddev, size=(fan_in, fan_out))
    while np.any(outside := np.abs(w) > 2 * stddev):
        w[outside] = rng.normal(0.0, stddev, size=int(outside.sum()))
    return w


# ----- Adam --------------------------------------------------------------------------------------------------
class FlatAdam:
    """Adam (Keras's form, see the module docstring) over one flat parameter buffer and its flat gradient.

    The moments are stored scaled, ``m' = m / (1 - beta_1)`` and ``v' = v / (1 - beta_2)``, which turns their
    updates into ``m' = beta_1 m' + g`` and ``v' = beta_2 v' + g^2``: two passes fewer per step (10 instead of
    12). The constant factors go into the step's two scalars, so the update is Keras's, up to rounding::

        w -= step' * m' / (sqrt(v') + eps')
        step' = lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * (1 - beta_1) / sqrt(1 - beta_2)
        eps'  = eps sqrt(1 - beta_2^t) / sqrt(1 - beta_2)
    """

    def __init__(self, params: np.ndarray, grads: np.ndarray, learning_rate: float = 1e-3, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, block: int = ADAM_BLOCK) -> None:
        self.params, self.lr, self.beta_1, self.beta_2, self.epsilon = params, learning_rate, beta_1, beta_2, epsilon
        self.m = np.zeros_like(params)            # m / (1 - beta_1)
        self.v = np.zeros_like(params)            # v / (1 - beta_2)
        self.scratch = np.empty_like(params)
        self.t = 0
        # A buffer under two blocks is one block: each block costs ten ufunc calls.
        n = params.size
        starts = range(0, n, block) if n >= 2 * block else [0]
        size = block if n >= 2 * block else n
        self.blocks = [tuple(a[s:s + size] for a in (params, grads, self.m, self.v, self.scratch)) for s in starts]

    def step(self) -> None:
        self.t += 1
        t, cast = self.t, self.params.dtype.type
        root_bias_2 = np.sqrt(1.0 - self.beta_2 ** t)
        # Computed in float64 once per step, then cast: a float64 NumPy scalar would upcast the float32 passes.
        beta_1, beta_2 = cast(self.beta_1), cast(self.beta_2)
        step_size = cast(self.lr * root_bias_2 / (1.0 - self.beta_1 ** t)
                         * (1.0 - self.beta_1) / np.sqrt(1.0 - self.beta_2))
        epsilon_hat = cast(self.epsilon * root_bias_2 / np.sqrt(1.0 - self.beta_2))
        for w, g, m, v, s in self.blocks:
            m *= beta_1
            m += g                                  # m' = beta_1 m' + g
            np.square(g, out=s)                     # (np.multiply(g, g) is twice as slow)
            v *= beta_2
            v += s                                  # v' = beta_2 v' + g^2
            np.sqrt(v, out=s)
            s += epsilon_hat
            np.divide(m, s, out=s)
            s *= step_size
            w -= s
        if t % FLUSH_EVERY == 0:
            self.flush_tiny_moments()

    def flush_tiny_moments(self) -> None:
        """Set moments below the threshold to 0 before they decay into (slow) subnormal floats."""
        keep = self.scratch
        threshold = self.params.dtype.type(FLUSH_THRESHOLD[self.params.dtype])
        for moment in (self.m, self.v):
            np.abs(moment, out=keep)
            np.greater_equal(keep, threshold, out=keep)   # 1.0 where kept, 0.0 where flushed
            moment *= keep


# ----- the MLP (workloads A, B, D) ---------------------------------------------------------------------------
class StepBuffers:
    """Every (batch, width) array that one training step writes, for one batch size, allocated once."""

    def __init__(self, batch: int, sizes: tuple[int, ...], dtype: np.dtype) -> None:
        hidden = sizes[1:-1]
        self.x = np.empty((batch, sizes[0]), dtype)
        self.y = np.empty(batch, np.int64)
        self.rows = np.arange(batch)
        # Column sums over the batch as ones @ a: BLAS's gemv, about 3x faster than np.sum(a, axis=0, out=).
        self.ones = np.ones(batch, dtype)
        self.z = [np.empty((batch, h), dtype) for h in hidden]          # Dense output; centred in place by BN
        self.a = [np.empty((batch, h), dtype) for h in hidden]          # layer output after ReLU and Dropout
        self.mask = [np.empty((batch, h), dtype) for h in hidden]       # da/dh: 0, 1 or 1 / (1 - rate)
        self.positive = [np.empty((batch, h), bool) for h in hidden]    # h > 0
        self.grad = [np.empty((batch, h), dtype) for h in hidden]       # dL/da, then dL/dh, then dL/dz in place
        # Scratch is used within one layer only, so layers of one width share it (and it stays in cache).
        by_width = {h: np.empty((batch, h), dtype) for h in set(hidden)}
        self.scratch = [by_width[h] for h in hidden]
        # Dropout's keep masks of all layers in one buffer: one comparison per step fills them all.
        self.keep_flat = np.empty(batch * sum(hidden), bool)
        self.keep = carve(self.keep_flat, [(batch, h) for h in hidden])
        self.logits = np.empty((batch, sizes[-1]), dtype)                # logits -> probabilities -> dL/dlogits
        self.row_max = np.empty((batch, 1), dtype)
        self.row_sum = np.empty((batch, 1), dtype)


class Network:
    """sizes[0] inputs, Dense + [BatchNorm] + ReLU + [Dropout] per hidden size, Dense + softmax on sizes[-1]."""

    def __init__(self, sizes: tuple[int, ...], batch_norm: bool, dropout: float, rng: np.random.Generator,
                 dtype=np.float32) -> None:
        self.sizes, self.batch_norm, self.dropout = tuple(sizes), batch_norm, float(dropout)
        self.dtype = np.dtype(dtype)
        self.one = self.dtype.type(1)
        self.zero = self.dtype.type(0)
        self.drop_scale = self.dtype.type(1.0 / (1.0 - self.dropout))
        # keep a unit iff a uniform 32-bit integer >= rate * 2^32: P(keep) = 1 - rate (to 2^-32)
        self.drop_threshold = np.uint32(min(round(self.dropout * 2**32), 2**32 - 1))
        hidden = self.sizes[1:-1]

        # The flat layout, layer by layer: W, b, [gamma, beta]; then the output layer's W, b.
        shapes, kinds = [], []
        for layer, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            shapes += [(fan_in, fan_out), (fan_out,)]
            kinds += ["W", "b"]
            if batch_norm and layer < len(hidden):
                shapes += [(fan_out,), (fan_out,)]
                kinds += ["gamma", "beta"]
        self.params = np.zeros(sum(int(np.prod(s)) for s in shapes), self.dtype)
        self.grads = np.zeros_like(self.params)
        self._name_views(carve(self.params, shapes), carve(self.grads, shapes), kinds)
        for W in self.W:
            W[...] = glorot_uniform(rng, *W.shape)
        for gamma in self.gamma:
            gamma[...] = 1

        # BatchNorm's statistics: the batch's (means, then variances) and the moving ones, each in one buffer
        # so that the moving update is three ufunc calls per step for all layers.
        n_stats = sum(hidden) if batch_norm else 0
        self.batch_stats = np.zeros(2 * n_stats, self.dtype)
        self.moving_stats = np.zeros(2 * n_stats, self.dtype)
        self.moving_stats[n_stats:] = 1                                  # moving variance starts at 1
        self.stats_scratch = np.empty_like(self.batch_stats)
        stat_shapes = [(h,) for h in hidden] * 2 if batch_norm else []
        self.batch_mean, self.batch_var = _halves(carve(self.batch_stats, stat_shapes))
        self.moving_mean, self.moving_var = _halves(carve(self.moving_stats, stat_shapes))
        # per-layer row vectors of the BatchNorm forward and backward
        self.inv_std = [np.empty(h, self.dtype) for h in hidden]        # 1 / sqrt(var + eps)
        self.bn_scale = [np.empty(h, self.dtype) for h in hidden]       # gamma / sqrt(var + eps)
        self.bn_k = [np.empty(h, self.dtype) for h in hidden]           # backward: s dgamma / B
        self.bn_c = [np.empty(h, self.dtype) for h in hidden]           # backward: dbeta / B
        self._buffers: dict[int, StepBuffers] = {}

    def _name_views(self, values: list[np.ndarray], grads: list[np.ndarray], kinds: list[str]) -> None:
        for kind in ("W", "b", "gamma", "beta"):
            setattr(self, kind, [v for v, k in zip(values, kinds) if k == kind])
            setattr(self, "d" + kind, [g for g, k in zip(grads, kinds) if k == kind])

    def buffers(self, batch: int) -> StepBuffers:
        """The step buffers for this batch size (full batches, and the epoch's last partial one)."""
        found = self._buffers.get(batch)
        if found is None:
            found = self._buffers[batch] = StepBuffers(batch, self.sizes, self.dtype)
        return found

    def draw_dropout_masks(self, batch: int, rng: np.random.Generator) -> None:
        """New keep masks for every layer; they stay until the next draw (so gradients can be checked)."""
        if not self.dropout:
            return
        buffers = self.buffers(batch)
        n = buffers.keep_flat.size
        # Raw 64-bit draws seen as pairs of 32-bit integers: half the cost of rng.random(dtype=float32).
        raw = rng.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n]
        np.greater_equal(raw, self.drop_threshold, out=buffers.keep_flat)

    # -- training step ------------------------------------------------------------------------------------------
    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray):
        """Forward in training mode and backward: write every gradient into self.grads, return the mean loss.

        Uses the dropout masks of the last ``draw_dropout_masks`` for this batch size; updates no state but the
        batch statistics (the moving ones are updated by ``update_moving_statistics``).
        """
        buffers = self.buffers(len(x))
        a = x
        for i in range(len(self.sizes) - 2):
            a = self._hidden_forward(i, a, buffers)
        np.matmul(a, self.W[-1], out=buffers.logits)
        buffers.logits += self.b[-1]
        loss = self._softmax_cross_entropy(buffers, y)
        self._backward(x, buffers)
        return loss

    def _hidden_forward(self, i: int, a_prev: np.ndarray, buffers: StepBuffers) -> np.ndarray:
        z, a = buffers.z[i], buffers.a[i]
        np.matmul(a_prev, self.W[i], out=z)
        z += self.b[i]
        h = z
        if self.batch_norm:
            h = self._batch_norm_forward(i, z, a, buffers)                  # h is written into a
        positive, mask = buffers.positive[i], buffers.mask[i]
        np.greater(h, self.zero, out=positive)
        if self.dropout:
            np.logical_and(positive, buffers.keep[i], out=positive)
        np.copyto(mask, positive)                                            # bool -> 0.0 / 1.0
        if self.dropout:
            mask *= self.drop_scale
        np.multiply(h, mask, out=a)                                          # ReLU and Dropout in one pass
        return a

    def _batch_norm_forward(self, i: int, z: np.ndarray, out: np.ndarray, buffers: StepBuffers) -> np.ndarray:
        """Centre z in place (the backward needs z - mu) and write gamma (z - mu) / sqrt(var + eps) + beta to out."""
        inv_batch = self.dtype.type(1.0 / len(z))
        mean, var, inv_std, scale = self.batch_mean[i], self.batch_var[i], self.inv_std[i], self.bn_scale[i]
        ones, scratch = buffers.ones, buffers.scratch[i]
        np.matmul(ones, z, out=mean)
        mean *= inv_batch
        z -= mean                                                            # z is now xc = z - mu
        np.square(z, out=scratch)
        np.matmul(ones, scratch, out=var)
        var *= inv_batch                                                     # biased variance, as Keras
        np.add(var, self.dtype.type(BN_EPSILON), out=inv_std)
        np.sqrt(inv_std, out=inv_std)
        np.divide(self.one, inv_std, out=inv_std)
        np.multiply(self.gamma[i], inv_std, out=scale)
        np.multiply(z, scale, out=out)
        out += self.beta[i]
        return out

    def _softmax_cross_entropy(self, buffers: StepBuffers, y: np.ndarray):
        """Turn buffers.logits into dL/dlogits = (softmax - onehot) / B in place; return the mean loss."""
        logits, rows = buffers.logits, buffers.rows
        np.max(logits, axis=1, keepdims=True, out=buffers.row_max)
        logits -= buffers.row_max                                            # exp cannot overflow
        picked = logits[rows, y]                                             # the labels' shifted logits
        np.exp(logits, out=logits)
        np.sum(logits, axis=1, keepdims=True, out=buffers.row_sum)
        logits /= buffers.row_sum
        loss = np.log(buffers.row_sum).mean() - picked.mean()                # log-sum-exp - logit of the label
        logits[rows, y] -= self.one
        logits *= self.dtype.type(1.0 / len(logits))
        return loss

    def _backward(self, x: np.ndarray, buffers: StepBuffers) -> None:
        n_hidden = len(self.sizes) - 2
        g_z = buffers.logits
        for i in range(n_hidden, -1, -1):                                    # the output layer is i = n_hidden
            a_prev = buffers.a[i - 1] if i else x
            np.matmul(buffers.ones, g_z, out=self.db[i])
            np.matmul(a_prev.T, g_z, out=self.dW[i])
            if i == 0:
                break                                                        # no gradient for the input
            g_a = buffers.grad[i - 1]
            np.matmul(g_z, self.W[i].T, out=g_a)
            g_z = self._hidden_backward(i - 1, g_a, buffers)

    def _hidden_backward(self, i: int, g_a: np.ndarray, buffers: StepBuffers) -> np.ndarray:
        """dL/da of hidden layer i -> dL/dz, in place in g_a (also writes dgamma, dbeta)."""
        g_a *= buffers.mask[i]                                               # ReLU and Dropout: now dL/dh
        if not self.batch_norm:
            return g_a
        g_h, xc, scratch = g_a, buffers.z[i], buffers.scratch[i]
        inv_std, scale, k, c = self.inv_std[i], self.bn_scale[i], self.bn_k[i], self.bn_c[i]
        inv_batch = self.dtype.type(1.0 / len(g_h))
        dgamma, dbeta = self.dgamma[i], self.dbeta[i]
        np.multiply(g_h, xc, out=scratch)
        np.matmul(buffers.ones, scratch, out=dgamma)
        dgamma *= inv_std                                                    # sum g_h * xhat
        np.matmul(buffers.ones, g_h, out=dbeta)
        # g_z = gamma s (g_h - (dbeta + xhat dgamma) / B) = scale * (g_h - xc * k - c)
        np.multiply(inv_std, dgamma, out=k)
        k *= inv_batch                                                       # k = s dgamma / B
        np.multiply(dbeta, inv_batch, out=c)                                 # c = dbeta / B
        np.multiply(xc, k, out=scratch)
        scratch += c
        g_h -= scratch
        g_h *= scale
        return g_h

    def update_moving_statistics(self) -> None:
        """moving = momentum moving + (1 - momentum) batch, for all layers' means and variances at once."""
        if self.batch_norm:
            np.subtract(self.batch_stats, self.moving_stats, out=self.stats_scratch)
            self.stats_scratch *= self.dtype.type(1.0 - BN_MOMENTUM)
            self.moving_stats += self.stats_scratch

    # -- inference ----------------------------------------------------------------------------------------------
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class indices; BatchNorm with the moving statistics, no Dropout. Not timed, so plainly written."""
        a = x
        for i in range(len(self.sizes) - 2):
            a = a @ self.W[i] + self.b[i]
            if self.batch_norm:
                scale = self.gamma[i] / np.sqrt(self.moving_var[i] + self.dtype.type(BN_EPSILON))
                a = (a - self.moving_mean[i]) * scale + self.beta[i]
            a = np.maximum(a, self.zero)
        return np.argmax(a @ self.W[-1] + self.b[-1], axis=1)


def _halves(views: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return views[:len(views) // 2], views[len(views) // 2:]


# ----- XOR (workload C) --------------------------------------------------------------------------------------
class XorNetwork:
    """2-2-1: leaky ReLU hidden layer (he_normal), linear output (glorot_uniform), mean squared error."""

    def __init__(self, rng: np.random.Generator, dtype=np.float32, alpha: float = 0.2, samples: int = 4) -> None:
        self.dtype = np.dtype(dtype)
        self.alpha, self.one_minus_alpha = self.dtype.type(alpha), self.dtype.type(1.0 - alpha)
        shapes = [(2, 2), (2,), (2, 1), (1,)]
        self.params = np.zeros(sum(int(np.prod(s)) for s in shapes), self.dtype)   # 9
        self.grads = np.zeros_like(self.params)
        self.W1, self.b1, self.W2, self.b2 = carve(self.params, shapes)
        self.dW1, self.db1, self.dW2, self.db2 = carve(self.grads, shapes)
        self.W1[...] = he_normal(rng, 2, 2)
        self.W2[...] = glorot_uniform(rng, 2, 1)
        self.z, self.slope, self.a, self.g_a = (np.empty((samples, 2), self.dtype) for _ in range(4))
        self.out, self.err = np.empty((samples, 1), self.dtype), np.empty((samples, 1), self.dtype)

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray):
        z, slope, a, out, err = self.z, self.slope, self.a, self.out, self.err
        np.matmul(x, self.W1, out=z)
        z += self.b1
        np.greater(z, 0, out=slope)                  # 1.0 where z > 0 ...
        slope *= self.one_minus_alpha
        slope += self.alpha                          # ... else alpha: the leaky ReLU's derivative
        np.multiply(z, slope, out=a)
        np.matmul(a, self.W2, out=out)
        out += self.b2
        np.subtract(out, y, out=err)
        loss = np.vdot(err, err) / len(err)
        err *= self.dtype.type(2.0 / len(err))       # dL/dout
        np.sum(err, axis=0, out=self.db2)
        np.matmul(a.T, err, out=self.dW2)
        np.matmul(err, self.W2.T, out=self.g_a)
        self.g_a *= slope                            # dL/dz
        np.sum(self.g_a, axis=0, out=self.db1)
        np.matmul(x.T, self.g_a, out=self.dW1)
        return loss

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.W1 + self.b1
        return np.where(z > 0, z, self.alpha * z) @ self.W2 + self.b2


def run_xor(seed: int) -> dict:
    from workloads import XOR_X, XOR_Y

    rng = np.random.default_rng(seed)
    net = XorNetwork(rng)
    adam = FlatAdam(net.params, net.grads, learning_rate=0.05)
    start = time.perf_counter()
    for _ in range(100):
        net.loss_and_gradients(XOR_X, XOR_Y)
        adam.step()
    elapsed = time.perf_counter() - start
    solved = bool(np.all(np.round(net.predict(XOR_X)) == XOR_Y))
    return {"epoch_times": [elapsed], "accuracy": float(solved)}


# ----- the runner --------------------------------------------------------------------------------------------
def run_numpy(workload, data, epochs: int, seed: int) -> dict:
    """Train ``workload`` by hand in NumPy; {"epoch_times": [s per epoch], "accuracy": test accuracy}."""
    if workload.dataset == "xor":
        return run_xor(seed)
    x_train, y_train, x_test, y_test = data
    x_train = np.ascontiguousarray(x_train, dtype=np.float32)
    rng = np.random.default_rng(seed)
    net = Network((x_train.shape[1],) + tuple(workload.hidden) + (10,), workload.batch_norm, workload.dropout, rng)
    adam = FlatAdam(net.params, net.grads)
    n, batch = len(x_train), workload.batch_size
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(n)                                           # a fresh shuffle every epoch
        for first in range(0, n, batch):
            index = order[first:first + batch]                               # the last batch may be partial
            buffers = net.buffers(len(index))
            np.take(x_train, index, axis=0, out=buffers.x)
            np.take(y_train, index, out=buffers.y)
            net.draw_dropout_masks(len(index), rng)
            net.loss_and_gradients(buffers.x, buffers.y)
            net.update_moving_statistics()
            adam.step()
        times.append(time.perf_counter() - start)
    x_test = np.asarray(x_test, dtype=np.float32)
    correct = sum(int(np.count_nonzero(net.predict(x_test[i:i + EVAL_BATCH]) == y_test[i:i + EVAL_BATCH]))
                  for i in range(0, len(x_test), EVAL_BATCH))
    return {"epoch_times": times, "accuracy": correct / len(x_test)}
