"""The ``lamina`` command: ``lamina train`` trains a network on real data; ``lamina examples`` lists the examples.

``lamina train`` with no options trains a 64-128-64-10 ReLU network (dropout 0.2) with Adam on the UCI 8x8 digits
shipped inside the package (no download, a few seconds), shows Keras's progress bar, prints ``test accuracy: 0.964`` and writes
the training curves (when matplotlib is installed) and the trained weights into ``./lamina-output``.
``lamina train --model cnn`` trains the keras.io "Simple MNIST convnet" instead (Conv2D, MaxPooling, Dropout 0.5;
batch 128), e.g. ``lamina train --model cnn --dataset mnist``.

The list of examples is kept here, as data inside the package, because an installed Lamina has no
``examples/`` folder; when the command runs from a source checkout it also prints where the scripts are.
(A test checks that this list and the checkout's ``examples/`` folder agree.)

Run ``lamina --help`` or ``lamina train --help`` for every option; ``python -m lamina.cli`` works too.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

#: (script name, section of the notes, what it shows): the scripts in the source repository's ``examples/``.
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("s1_deep_network_digits", "1 Introduction",
     "a deep network classifies handwritten digits (MNIST when present, else the packaged UCI digits)"),
    ("s2_xor", "2 XOR problem",
     "least squares gives w = 0, w0 = 0.5; logistic regression fails; the notes' 2-neuron solution; training"),
    ("s3_activations", "3 Activation functions",
     "activations and their derivatives, vanishing gradients, softmax temperature, universal approximation"),
    ("s4_optimizers", "4 Optimization",
     "SGD, momentum, AdaGrad, RMSProp, Adam on a saddle and a ravine; learning-rate decay"),
    ("s5_regularization", "5 Regularization",
     "overfit first, then L2, dropout, early stopping, noise augmentation and an ensemble"),
    ("s6_batch_norm", "6 Batch normalization",
     "Ioffe & Szegedy's MNIST setup (3 x 100 sigmoid units, batches of 60) with and without batch norm"),
    ("s7_backprop", "7 Back propagation",
     "the 2-2-1 network's gradients by the notes' formulas, by autodiff and numerically: all equal"),
    ("s8_residual_mlp", "1 Introduction: gradient propagation",
     "21 sigmoid layers built with the functional API: stuck at chance plain, trained with residual shortcuts"),
    ("s9_mnist_convnet", "1 Introduction (convnets)",
     "the keras.io Simple MNIST convnet (Conv2D, MaxPooling, Dropout, Adam): test accuracy and training curves"),
    ("s10_data_augmentation", "5 Regularization (augmentation)",
     "random rotations, shifts and zooms on 1,000 MNIST images beat training on the images as they are"),
    ("s11_resnet", "1 Introduction: residual networks",
     "He et al.'s degradation: a plain 20-layer convnet trains worse than the same layers with identity shortcuts"),
)

DEFAULT_OUTPUT = "lamina-output"
DATASETS = ("digits", "mnist", "fashion-mnist")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad", "adamw", "nadam")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")

MODELS = ("mlp", "cnn")
# Epochs when --epochs is not given: the digits are small (1,438 training images, ~1 s for 50 epochs); MNIST
# and Fashion-MNIST are 40 times larger and need fewer passes. The convnet costs ~20 times more per image than the
# MLP; its 5 epochs on MNIST take a few minutes on 2 cores (keras.io trains 15).
DEFAULT_EPOCHS = {"mlp": {"digits": 50, "mnist": 10, "fashion-mnist": 10, "folder": 10},
                  "cnn": {"digits": 30, "mnist": 5, "fashion-mnist": 5, "folder": 5}}
DEFAULT_BATCH_SIZE = {"mlp": 32, "cnn": 128}
DEFAULT_DROPOUT = {"mlp": 0.2, "cnn": 0.5}


# ----- parsing ------------------------------------------------------------------------------------------------
def _layer_sizes(text: str) -> tuple[int, ...]:
    """``"128,64"`` -> (128, 64); ``""`` or ``"none"`` -> () (a linear softmax classifier)."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"layer sizes must be integers separated by commas, e.g. 128,64; "
                                         f"received {text!r}") from None
    if any(size <= 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive; received {text!r}")
    return sizes


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"a rate must be in [0, 1); received {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer; received {text}")
    return value


class _Given(argparse.Action):
    """Store the value and remember that the user gave it (``args.given``), so that a default can depend on
    another option (--model cnn's batch size and dropout) while ``--help`` still shows the plain default."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        namespace.given = getattr(namespace, "given", frozenset()) | {self.dest}


def _default_for_model(args: argparse.Namespace, name: str, defaults: dict[str, Any]) -> Any:
    """The option's value when given, else its default for ``args.model``."""
    return getattr(args, name) if name in getattr(args, "given", ()) else defaults[args.model]


def build_parser() -> argparse.ArgumentParser:
    """The ``lamina`` argument parser, with the ``train`` and ``examples`` subcommands."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="lamina",
        description="Lamina: a small deep-learning library on NumPy with its own autodiff and a Keras-compatible "
                    "API. Train a network on real data, or list the examples of the course notes.",
        epilog="Run 'lamina train' for the main job (no download needed), 'lamina COMMAND --help' for a "
               "command's options.")
    parser.add_argument("--version", action="version", version=f"lamina {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train", help="train a multi-layer perceptron or a convnet and report its test accuracy",
        description="Train a multi-layer perceptron (ReLU hidden layers, softmax output, sparse categorical "
                    "cross-entropy), or with --model cnn the keras.io MNIST convnet, with a progress bar; print "
                    "the test accuracy as 'test accuracy: 0.964'; write the loss/accuracy curves (PNG, needs "
                    "matplotlib) and the weights into the output folder. Defaults: the packaged UCI digits, "
                    "layers 128,64 with dropout 0.2, Adam, 50 epochs, batch 32, seed 0.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    data = train.add_argument_group("data")
    data.add_argument("--dataset", default="digits", metavar="NAME_OR_FOLDER",
                      help="'digits' (the UCI 8x8 digits shipped in the package), 'mnist', 'fashion-mnist', or a "
                           "folder holding the four IDX files of an MNIST-style set")
    data.add_argument("--data-dir", default=None, metavar="DIR",
                      help="where the MNIST / Fashion-MNIST IDX files are; default: $LAMINA_DATA, the user "
                           "cache, /usr/share/datasets, else a checked download")
    data.add_argument("--no-download", action="store_true",
                      help="fail instead of downloading MNIST / Fashion-MNIST when no local copy is found")
    data.add_argument("--validation-split", type=_rate, default=0.1, metavar="FRACTION",
                      help="fraction of the training set held out to validate after every epoch (0: none)")
    net = train.add_argument_group("network")
    net.add_argument("--model", choices=MODELS, default="mlp",
                     help="mlp: a multi-layer perceptron (--hidden, --activation, --batch-norm); cnn: the keras.io "
                          "MNIST convnet (Conv2D 32 and 64 3x3 ReLU, each with MaxPooling 2x2, Dropout, Dense softmax) "
                          "on the images as 2-D arrays")
    net.add_argument("--hidden", type=_layer_sizes, default=(128, 64), metavar="SIZES",
                     help="hidden layer sizes, comma-separated (e.g. 256,128,64); 'none' for a linear classifier")
    net.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden layers' activation")
    net.add_argument("--dropout", type=_rate, default=0.2, metavar="RATE", action=_Given,
                     help="dropout rate after every hidden layer, or before the convnet's output layer (0: no "
                          "dropout; cnn: 0.5 unless given)")
    net.add_argument("--batch-norm", action="store_true",
                     help="batch normalization between each hidden layer's linear part and its activation")
    opt = train.add_argument_group("training")
    opt.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="update rule")
    opt.add_argument("--learning-rate", "--lr", type=float, default=None, metavar="ETA",
                     help="learning rate (default: the optimizer's Keras default, e.g. 0.001 for adam, 0.01 "
                          "for sgd)")
    opt.add_argument("--momentum", type=float, default=0.0, help="momentum of --optimizer sgd")
    opt.add_argument("--epochs", type=_positive_int, default=None,
                     help="passes over the training data (default: 50 for digits, 10 for the larger sets; cnn: 30 "
                          "and 5)")
    opt.add_argument("--batch-size", type=_positive_int, default=32, action=_Given,
                     help="samples per gradient step (cnn: 128 unless given)")
    opt.add_argument("--seed", type=int, default=0, help="seed of every random draw (weights, shuffles, dropout)")
    out = train.add_argument_group("output")
    out.add_argument("--output", "-o", default=DEFAULT_OUTPUT, metavar="DIR",
                     help="folder for the training-curve plot and the weights")
    out.add_argument("--no-plot", action="store_true", help="do not write the training-curve plot")
    talk = out.add_mutually_exclusive_group()
    talk.add_argument("--verbose", "-v", type=int, choices=(0, 1, 2), default=1,
                      help="1: a progress bar per epoch, 2: one line per epoch, 0: no progress")
    talk.add_argument("--quiet", "-q", action="store_true",
                      help="print only the test accuracy line (same as --verbose 0 without the summary)")
    train.set_defaults(handler=run_train)

    examples = commands.add_parser(
        "examples", help="list the examples, one per section of the notes",
        description="List the example scripts (name, section of the notes, what each shows). They live in the "
                    "source repository's examples/ folder; run one with 'python examples/NAME.py' (add --quick "
                    "for a shortened run).")
    examples.set_defaults(handler=run_examples)
    return parser


# ----- lamina train -------------------------------------------------------------------------------------------
def load_dataset(name: str, data_dir: str | None = None, download: bool = True
                 ) -> tuple[str, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load a dataset by name (or IDX folder) as flat float32 images in [0, 1] and integer labels.

    Returns:
        ``(label, (x_train, y_train), (x_test, y_test))``; ``label`` names the source for messages.
    """
    from . import datasets

    if name == "digits":
        (x_train, y_train), (x_test, y_test) = datasets.digits.load_data()
        scale, label = float(datasets.digits.MAX_PIXEL), "UCI digits (8x8, packaged)"
    elif name in ("mnist", "fashion-mnist"):
        module = datasets.mnist if name == "mnist" else datasets.fashion_mnist
        (x_train, y_train), (x_test, y_test) = module.load_data(path=data_dir, download=download)
        scale, label = 255.0, "MNIST" if name == "mnist" else "Fashion-MNIST"
    elif Path(name).expanduser().is_dir():
        # Any MNIST-style folder (four IDX files): its checksums are unknown, so they are not verified.
        (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data(path=name, verify=False, download=False)
        scale, label = max(float(x_train.max()), 1.0), f"IDX files in {name}"
    else:
        raise ValueError(f"unknown dataset {name!r}: use one of {', '.join(DATASETS)} or a folder holding the "
                         f"four IDX files")

    def flat(x: np.ndarray) -> np.ndarray:
        return (x.reshape(len(x), -1).astype(np.float32) / scale).astype(np.float32)

    return label, (flat(x_train), y_train.astype(np.int64)), (flat(x_test), y_test.astype(np.int64))


def build_model(n_features: int, n_classes: int, hidden: Sequence[int], activation: str = "relu",
                dropout: float = 0.0, batch_norm: bool = False) -> Any:
    """An MLP: for each hidden size, Dense (+ BatchNormalization) + activation (+ Dropout); softmax output."""
    from . import layers
    from .models import Sequential

    stack: list[Any] = [layers.Input((n_features,))]
    for units in hidden:
        if batch_norm:
            # BN's beta replaces the bias, and it normalizes z before the non-linearity (Ioffe & Szegedy).
            stack += [layers.Dense(units, use_bias=False), layers.BatchNormalization(), layers.Activation(activation)]
        else:
            stack.append(layers.Dense(units, activation=activation))
        if dropout > 0:
            stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(n_classes, activation="softmax"))
    return Sequential(stack)


def build_cnn(image_shape: tuple[int, int, int], n_classes: int, dropout: float = 0.5) -> Any:
    """The keras.io "Simple MNIST convnet": Conv2D 32 3x3 ReLU, MaxPooling 2, Conv2D 64 3x3 ReLU, MaxPooling 2,
    Flatten, Dropout, Dense softmax. Images smaller than 12 pixels (the 8x8 digits) use "same" padding, since two
    valid 3x3 convolutions and two poolings would leave nothing of them."""
    from . import layers
    from .layers.conv2d import Conv2D
    from .layers.max_pooling2d import MaxPooling2D
    from .models import Sequential

    padding = "valid" if min(image_shape[:2]) >= 12 else "same"
    stack: list[Any] = [layers.Input(image_shape),
                        Conv2D(32, kernel_size=(3, 3), activation="relu", padding=padding),
                        MaxPooling2D(pool_size=(2, 2)),
                        Conv2D(64, kernel_size=(3, 3), activation="relu", padding=padding),
                        MaxPooling2D(pool_size=(2, 2)),
                        layers.Flatten()]
    if dropout > 0:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(n_classes, activation="softmax"))
    return Sequential(stack)


def as_square_images(x: np.ndarray) -> np.ndarray:
    """Flat images (n, side * side) as (n, side, side, 1), channels last."""
    side = int(round(np.sqrt(x.shape[1])))
    if side * side != x.shape[1]:
        raise ValueError(f"--model cnn needs square images; these have {x.shape[1]} pixels")
    return x.reshape(len(x), side, side, 1)


def make_optimizer(name: str, learning_rate: float | None, momentum: float = 0.0) -> Any:
    """An optimizer by name; ``learning_rate=None`` keeps its default."""
    from . import optimizers

    classes = {"adam": optimizers.Adam, "sgd": optimizers.SGD, "rmsprop": optimizers.RMSprop,
               "adagrad": optimizers.Adagrad, "adamw": optimizers.AdamW, "nadam": optimizers.Nadam}
    kwargs: dict[str, Any] = {} if learning_rate is None else {"learning_rate": learning_rate}
    if name == "sgd":
        kwargs["momentum"] = momentum
    return classes[name](**kwargs)


def run_train(args: argparse.Namespace) -> int:
    """``lamina train``: load, build, fit with a progress bar, evaluate, write the plot and the weights."""
    from . import distribution, plot
    from .utils import set_random_seed

    if distribution.launched_under_mpi():
        # ``mpiexec -n N lamina train``: data parallel over the N processes (--batch-size is the global batch);
        # rank 0 alone prints and writes the weights and the plot.
        distribution.set_distribution(distribution.DataParallel())
    writer = distribution.rank() == 0
    quiet = args.quiet
    say = (lambda *parts: None) if quiet or not writer else print
    start = time.perf_counter()
    try:
        label, (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir,
                                                                   download=not args.no_download)
    except (OSError, ValueError) as error:
        print(f"lamina train: cannot load the data: {error}", file=sys.stderr)
        return 2
    kind = args.dataset if args.dataset in DATASETS else "folder"
    epochs = args.epochs or DEFAULT_EPOCHS[args.model][kind]
    batch_size = _default_for_model(args, "batch_size", DEFAULT_BATCH_SIZE)
    dropout = _default_for_model(args, "dropout", DEFAULT_DROPOUT)
    if args.model == "cnn":
        try:
            x_train, x_test = as_square_images(x_train), as_square_images(x_test)
        except ValueError as error:
            print(f"lamina train: {error}", file=sys.stderr)
            return 2
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    say(f"data: {label}: {len(x_train)} training and {len(x_test)} test images of "
        f"{'x'.join(str(d) for d in x_train.shape[1:])} pixels, {n_classes} classes")

    set_random_seed(args.seed)
    if args.model == "cnn":
        model = build_cnn(x_train.shape[1:], n_classes, dropout)
    else:
        model = build_model(x_train.shape[1], n_classes, args.hidden, args.activation, dropout, args.batch_norm)
    optimizer = make_optimizer(args.optimizer, args.learning_rate, args.momentum)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if not quiet and writer:
        model.summary()
    say(f"training: {args.optimizer} (learning rate {optimizer.get_config()['learning_rate']}), {epochs} epochs, "
        f"batch size {batch_size}, seed {args.seed}")
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_split=args.validation_split, verbose=0 if quiet else args.verbose)
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    if not writer:
        return 0
    print(f"test accuracy: {test_accuracy:.3f}")
    say(f"test loss: {test_loss:.4f}")

    output = Path(args.output).expanduser()
    output.mkdir(parents=True, exist_ok=True)
    weights_path = output / "model.weights.npz"
    model.save_weights(str(weights_path))
    say(f"weights: {weights_path}")
    if args.no_plot:
        pass
    elif plot.available():
        plot_path = output / "training.png"
        plot.history(history, path=plot_path,
                     title=f"{label}: test accuracy {test_accuracy:.3f}")
        say(f"plot: {plot_path}")
    else:
        say("plot skipped: matplotlib is not installed (pip install lamina[plot])")
    say(f"done in {time.perf_counter() - start:.1f} s")
    return 0


# ----- lamina examples ----------------------------------------------------------------------------------------
def examples_folder() -> Path | None:
    """The source checkout's ``examples/`` folder (``src/lamina/cli.py`` -> ``examples/``), if this is one."""
    folder = Path(__file__).resolve().parents[2] / "examples"
    return folder if (folder / f"{EXAMPLES[0][0]}.py").is_file() else None


def run_examples(args: argparse.Namespace) -> int:
    """``lamina examples``: one line per example, then how to run them."""
    width = max(len(name) for name, _, _ in EXAMPLES)
    print("Examples, one per section of the notes:")
    for name, section, description in EXAMPLES:
        print(f"  {name:<{width}}  {section}: {description}")
    folder = examples_folder()
    if folder is not None:
        try:
            shown = folder.relative_to(Path.cwd())
        except ValueError:
            shown = folder
        print(f"\nRun one: python {shown / EXAMPLES[1][0]}.py   (--quick or LAMINA_QUICK=1 shortens it; "
              f"plots go to $LAMINA_OUTPUT or ./{DEFAULT_OUTPUT})")
    else:
        print("\nThe scripts are in the examples/ folder of Lamina's source repository; run one with "
              "python examples/NAME.py (--quick shortens it).")
    return 0


# ----- entry point --------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lamina`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
