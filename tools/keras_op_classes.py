"""Print the Keras 3 class (module and name) that records each keras.ops function in a functional model, and the
options that class keeps in its config (Keras passes them to the operation's constructor, not to its call).

Run with a Python that has Keras 3 (e.g. the TensorFlow side environment):

    python tools/keras_op_classes.py > src/lamina/layers/keras_op_classes.py

For every public keras.ops function, the function is called on a symbolic tensor and the class of the operation
it records is read off the output's history. Functions that need other arguments are tried with a few common
signatures; those that record nothing (creation ops) are left out.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras import ops  # noqa: E402

TRIALS = [lambda f, x: f(x), lambda f, x: f(x, x), lambda f, x: f([x, x]), lambda f, x: f(x, 0),
          lambda f, x: f(x, (4, 3)), lambda f, x: f(x, 2), lambda f, x: f(x > 0, x, x),
          lambda f, x: f(x, [0, 1]), lambda f, x: f(x, 1, 2)]


def main():
    found = {}
    for name in sorted(dir(ops)):
        function = getattr(ops, name)
        if name.startswith("_") or not callable(function):
            continue
        for trial in TRIALS:
            x = keras.Input((3, 4))
            try:
                out = trial(function, x)
            except Exception:
                continue
            if isinstance(out, (tuple, list)):
                if not out:
                    continue
                out = out[0]
            leaf = out
            history = getattr(leaf, "_keras_history", None)
            if history is None:
                continue
            operation = history[0]
            try:
                options = tuple(key for key in operation.get_config() if key != "name")
            except NotImplementedError:  # an operation Keras cannot save at all
                continue
            found[name] = (type(operation).__module__, type(operation).__name__, options)
            break
    print('"""The Keras 3 class recording each keras.ops function (written by tools/keras_op_classes.py from '
          f'Keras {keras.__version__})."""')
    print()
    print("# name -> (module, class, the options its config holds: constructor arguments, not call arguments)")
    print("KERAS_OP_CLASSES = {")
    for name, (module, cls, options) in sorted(found.items()):
        print(f"    {name!r}: ({module!r}, {cls!r}, {options!r}),")
    print("}")


if __name__ == "__main__":
    main()
