"""The code listings of the notes (../shared/spec/deep-learning-notes.txt), copied as printed, run on Lamina.

Only the import lines are changed (``tensorflow`` -> ``lamina``, ``tensorflow.keras`` -> ``lamina.keras``), as
the issue allows. Two repairs of the conversion from a web page, neither a change of meaning: the indentation
of the XOR listing's ``for`` body is restored, and the early-stopping listing, which shows no imports and no
data, gets its imports and a data set defined before it (below) and the print of its closing output line,
``Training stopped early after N epochs.``, from ``len(history.history['loss'])`` as the issue describes.

Each test checks that the listing prints what the notes print, in structure (numbers differ with the random
initialization, as they do between two Keras runs).
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import lamina

BAR = "\u2501" * 20

XOR_LISTING = '''
import lamina as tf
import numpy as np
# 1. XOR Data
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y = np.array([[0], [1], [1], [0]], dtype=np.float32)
# 2. Build the Model (2 Hidden Neurons)
model = tf.keras.Sequential([
tf.keras.layers.Dense(2, activation='leaky_relu',
kernel_initializer='he_normal',
input_shape=(2,), name='hidden_layer'),
# Output layer (Linear for MSE)
tf.keras.layers.Dense(1, name='output_layer')
])
print("--- Model Architecture ---")
model.summary()
# 3. Compile
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.05), loss='mse')
# 4. Train
print("Training XOR Neural Network ...")
model.fit(X, y, epochs=100, verbose=0)
# 5. Extract and Print Final Weights
weights = model.get_weights()
W, c, w_out, b = weights
print("\\n--- Final Weights (W) ---")
print(W)
print(f"\\nHidden Bias (c): {c}")
print(f"\\nOutput Weights (w): \\n{w_out}")
print(f"Output Bias (b): {b}")
# 6. Predictions
print("\\n--- Final Predictions ---")
preds = model.predict(X)
for i in range(len(X)):
    print(f"Input: {X[i]} | Raw Output: {preds[i][0]:.4f} | Rounded: {int(np.round(preds[i][0]))}")
'''

EARLY_STOPPING_IMPORTS = '''
from lamina.keras.callbacks import EarlyStopping
from lamina.keras.models import Sequential
from lamina.keras.layers import Dense
'''

EARLY_STOPPING_LISTING = '''
# 1. Define the EarlyStopping callback
# Monitors 'val_loss' and stops if no improvement for 3 epochs.
# restore_best_weights=True ensures you get the model from the best epoch.
early_stop_callback = EarlyStopping(
monitor='val_loss',
patience=3,
restore_best_weights=True
)
# 2. Create a simple model
model = Sequential([
Dense(10, activation='relu', input_shape=(5,), name="hidden_1", kernel_initializer="he_normal"),
Dense(1, activation='sigmoid', name="output")
])
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
# 3. Train the model with the EarlyStopping callback
# The 'callbacks' argument accepts a list of callbacks.
history = model.fit(
X_train, y_train,
epochs=100, # Set a large number of epochs
validation_data=(X_val, y_val),
callbacks=[early_stop_callback], # Pass the callback here
verbose=1
)
'''

EARLY_STOPPING_CLOSING_LINE = '''
print(f"Training stopped early after {len(history.history['loss'])} epochs.")
'''

L2_DROPOUT_LISTING = '''
import lamina as tf
from lamina.keras import layers, regularizers, models
import numpy as np
# Create some dummy data for demonstration purposes
X_train = np.random.rand(1000, 32)
y_train = np.random.rand(1000, 1)
X_val = np.random.rand(200, 32)
y_val = np.random.rand(200, 1)
# Define the L2 regularization strength (e.g., 0.0001)
l2_strength = 1e-4
# Create a Sequential model with L2 regularization and Dropout layers
model = models.Sequential([
# Add a Dense layer with L2 regularization
layers.Dense(128, activation='relu',
kernel_regularizer=regularizers.l2(l2_strength),
input_shape=(32,)),
# Add a Dropout layer with a dropout rate of 30%
layers.Dropout(0.3),
# Another Dense layer with L2 regularization
layers.Dense(64, activation='relu',
kernel_regularizer=regularizers.l2(l2_strength)),
# Another Dropout layer with a dropout rate of 20%
layers.Dropout(0.2),
# Output layer
layers.Dense(1, activation='linear')
])
# Compile the model
model.compile(optimizer='adam',
loss='mse', # Using Mean Squared Error loss for a regression example
metrics=['mae']) # Mean Absolute Error as a metric
# Display the model summary
model.summary()
# Train the model (optional, for a complete example)
# history = model.fit(X_train, y_train, epochs=10, validation_data=(X_val, y_val), verbose=1)
'''

BATCHNORM_LISTING = '''
import lamina as tf
from lamina.keras import layers, models, regularizers
import numpy as np
# 1. Setup Synthetic Data (Binary Classification)
# 1000 samples, 20 features per sample
X = np.random.rand(1000, 20).astype(np.float32)
y = np.random.randint(2, size=(1000, 1)).astype(np.float32)
# 2. Define the Sequential Model
model = models.Sequential([
# Input Layer
layers.Input(shape=(20,)),
# Hidden Layer 1: Dense + L2 Regularization
layers.Dense(64, kernel_regularizer=regularizers.l2(0.01), name="dense_1"),
layers.BatchNormalization(name="batch_norm_1"), # Normalizes activations
layers.Activation('relu'),
layers.Dropout(0.3, name="dropout_1"), # Prevents overfitting
# Hidden Layer 2
layers.Dense(32, kernel_regularizer=regularizers.l2(0.01), name="dense_2"),
layers.BatchNormalization(name="batch_norm_2"),
layers.Activation('relu'),
layers.Dropout(0.2, name="dropout_2"),
# Output Layer (Sigmoid for binary probability)
layers.Dense(1, activation='sigmoid', name="output_layer")
])
# 3. Compile the Model
model.compile(
optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
loss='binary_crossentropy',
metrics=['accuracy']
)
# 4. Print Architecture & Parameters
print("--- Model Architecture ---")
model.summary()
'''

EPOCH_LINE = re.compile(r"^(\d+)/\1 \u2501{20} \d+s \d+(s|ms|us)/step( - [a-z_]+: -?\d+\.\d{4}(e[+-]\d\d)?)+$")
PREDICTION_LINE = re.compile(r"^Input: \[([01])\. ([01])\.\] \| Raw Output: -?\d+\.\d{4} \| Rounded: (-?\d+)$")


def run_listing(source: str, namespace: dict | None = None) -> dict:
    """Execute a listing as a script (its own globals, as ``python listing.py`` would)."""
    scope = {"__name__": "__main__", **(namespace or {})}
    exec(compile(source, "<listing>", "exec"), scope)
    return scope


# ----- section 2: XOR ----------------------------------------------------------------------------------------
def xor_predictions(output: str) -> list[tuple[int, int, int]]:
    return [tuple(int(g) for g in m.groups()) for m in map(PREDICTION_LINE.match, output.splitlines()) if m]


def test_xor_listing_prints_summary_weights_and_predictions(capsys) -> None:
    lamina.utils.set_random_seed(0)
    run_listing(XOR_LISTING)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "--- Model Architecture ---"
    assert re.fullmatch(r'Model: "sequential(_\d+)?"', lines[1])
    assert re.search(r"hidden_layer \(Dense\)\s+│ \(None, 2\)\s+│\s+6 │", out)
    assert re.search(r"output_layer \(Dense\)\s+│ \(None, 1\)\s+│\s+3 │", out)
    assert " Total params: 9 (36.00 B)" in lines and " Non-trainable params: 0 (0.00 B)" in lines
    order = ["Training XOR Neural Network ...", "--- Final Weights (W) ---", "Hidden Bias (c): [",
             "Output Weights (w): ", "Output Bias (b): [", "--- Final Predictions ---"]
    positions = [next(i for i, line in enumerate(lines) if line.startswith(text)) for text in order]
    assert positions == sorted(positions)
    start = positions[1] + 1  # the 2x2 kernel printed by numpy, two rows
    assert lines[start].startswith("[[") and lines[start + 1].endswith("]]")
    bar_line = lines[positions[-1] + 1]
    assert re.fullmatch(rf"1/1 {BAR} \d+s \d+(ms|us|s)/step", bar_line)  # the notes: `1/1 ━━━ 0s 105ms/step`
    predictions = xor_predictions(out)
    assert [(a, b) for a, b, _ in predictions] == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_xor_listing_over_20_seeds(capsys) -> None:
    """Two hidden units often get stuck on XOR (a dead or merged unit): Keras 3 solved 5 of 20 seeds of this very
    listing. Lamina must behave like the same network, not better by changing the listing; we report the
    fraction and assert only that it is not a broken trainer (>= 1 of 20)."""
    solved, times = 0, []
    for seed in range(20):
        lamina.utils.set_random_seed(seed)
        start = time.perf_counter()
        run_listing(XOR_LISTING)
        times.append(time.perf_counter() - start)
        rounded = [r for _, _, r in xor_predictions(capsys.readouterr().out)]
        solved += rounded == [0, 1, 1, 0]
    with capsys.disabled():
        print(f"\nXOR listing: solved {solved}/20 seeds (Keras 3: 5/20); "
              f"{np.mean(times) * 1e3:.1f} ms per run of the listing (100 epochs + summary + predict)")
    assert solved >= 1


def test_xor_runs_are_reproducible(capsys) -> None:
    outputs = []
    for _ in range(2):
        lamina.layers.clear_session()  # auto-names ("sequential_3") restart, as after Keras's clear_session
        lamina.utils.set_random_seed(123)
        run_listing(XOR_LISTING)
        outputs.append(re.sub(r"\d+(ms|us|s)/step", "", capsys.readouterr().out))  # timings vary
    assert outputs[0] == outputs[1]


# ----- section 5: early stopping -----------------------------------------------------------------------------
def overfitting_data(seed: int) -> dict[str, np.ndarray]:
    """100 training and 100 validation samples with 5 features (4 steps per epoch, as the notes' '4/4').

    The training labels depend on x0 and, spuriously, on x1; the validation labels on x0 alone. The network
    first learns the x0 direction, which lowers the validation loss too; as it grows confident in x1, which
    the validation set does not share, the validation loss turns up while the training loss keeps falling:
    the over-fitting that early stopping is for."""
    rng = np.random.default_rng(seed)
    X_train = rng.normal(size=(100, 5)).astype(np.float32)
    y_train = (X_train[:, 0] + 2.0 * X_train[:, 1] > 0).astype(np.float32)[:, None]
    X_val = rng.normal(size=(100, 5)).astype(np.float32)
    y_val = (X_val[:, 0] > 0).astype(np.float32)[:, None]
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_early_stopping_listing_stops_early_and_restores_the_best_weights(seed: int, capsys) -> None:
    lamina.utils.set_random_seed(seed)
    data = overfitting_data(seed)
    scope = run_listing(EARLY_STOPPING_IMPORTS + EARLY_STOPPING_LISTING + EARLY_STOPPING_CLOSING_LINE, data)
    out = capsys.readouterr().out
    history, model, stop = scope["history"], scope["model"], scope["early_stop_callback"]
    epochs_run = len(history.history["loss"])
    val_loss = history.history["val_loss"]

    assert epochs_run < 100 and stop.stopped_epoch == epochs_run - 1
    best = int(np.argmin(val_loss))
    assert stop.best_epoch == best and epochs_run == best + 1 + 3  # patience 3 after the best epoch
    assert history.history["loss"][-1] < history.history["loss"][best]  # training loss still falling...
    assert val_loss[-1] > val_loss[best]  # ...while the validation loss rose
    restored_loss = model.evaluate(data["X_val"], data["y_val"], verbose=0)[0]
    assert restored_loss == pytest.approx(val_loss[best], rel=1e-5)  # the best epoch's weights are back

    lines = out.splitlines()
    assert lines[-1] == f"Training stopped early after {epochs_run} epochs."
    assert lines[0] == "Epoch 1/100" and f"Epoch {epochs_run}/100" in lines
    bars = [line for line in lines if line.startswith("4/4 ")]
    assert len(bars) == epochs_run
    for line in bars:
        assert EPOCH_LINE.match(line), line
        assert re.search(r" - accuracy: \S+ - loss: \S+ - val_accuracy: \S+ - val_loss: \S+$", line)


# ----- section 5: L2 and dropout; section 6: batch normalization ---------------------------------------------
def test_l2_dropout_listing_prints_its_summary(capsys) -> None:
    scope = run_listing(L2_DROPOUT_LISTING)
    out = capsys.readouterr().out
    assert re.search(r'Model: "sequential(_\d+)?"', out)
    names = re.findall(r"│ (\w+) \((Dense|Dropout)\)", out)
    assert [kind for _, kind in names] == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    for params in ("4,224", "8,256", "65"):
        assert re.search(rf"│\s+{params} │", out)
    assert " Total params: 12,545 (49.00 KB)" in out and " Trainable params: 12,545 (49.00 KB)" in out
    assert "history" not in scope  # the listing's fit line is commented out, and stays so


def test_l2_dropout_listing_trains_when_its_fit_line_is_uncommented(capsys) -> None:
    source = L2_DROPOUT_LISTING.replace("# history = model.fit(", "history = model.fit(")
    scope = run_listing(source)
    lines = capsys.readouterr().out.splitlines()
    history = scope["history"]
    assert list(history.history) == ["loss", "mae", "val_loss", "val_mae"] and len(history.epoch) == 10
    bars = [line for line in lines if line.startswith("32/32 ")]  # 1000 samples at 32 -> 32 steps
    assert len(bars) == 10 and all(EPOCH_LINE.match(line) for line in bars)
    assert [line for line in lines if line.startswith("Epoch ")] == [f"Epoch {i}/10" for i in range(1, 11)]


def test_batchnorm_listing_prints_its_summary_and_trains(capsys) -> None:
    scope = run_listing(BATCHNORM_LISTING)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "--- Model Architecture ---"
    for name, kind, params in [("dense_1", "Dense", "1,344"), ("dense_2", "Dense", "2,080"),
                               ("output_layer", "Dense", "33")]:
        assert re.search(rf"│ {name} \({kind}\)\s+│ \(None, \d+\)\s+│\s+{params} │", out)
    assert re.search(r"│ batch_norm_1\s+│ \(None, 64\)\s+│\s+256 │", out)
    assert "(BatchNormalization)" in out
    assert " Total params: 3,841 (15.00 KB)" in out
    assert " Trainable params: 3,649 (14.25 KB)" in out and " Non-trainable params: 192 (768.00 B)" in out

    # The listing stops after the summary; the model it built also trains (BatchNorm and Dropout in training
    # mode in fit, inference mode in evaluate), with the L2 penalties in the reported loss.
    model = scope["model"]
    history = model.fit(scope["X"], scope["y"], epochs=2, batch_size=32, validation_split=0.2, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(np.isfinite(v) for values in history.history.values() for v in values)
    penalty = float(sum(p.data for p in model.losses))
    assert history.history["loss"][-1] > penalty > 0
