"""Pipelines described as data, built the same way with tf.data (make_fixtures.py) and lamina.data (the tests).

A pipeline is a list of steps ``[name, *arguments]``: the first step is a source, the others transformations.
Functions and inputs are referred to by name, so that both libraries run the same program. Only what the two
libraries share is used here (NumPy operators on the elements work on TensorFlow tensors too).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def inputs() -> dict[str, Any]:
    """The source values, by name."""
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6, dtype=np.int64)
    return {
        "x": x,
        "y": y,
        "xy": (x, y),
        "nested": ((x, y), {"w": y * 10}),
        "dict": {"a": np.arange(5, dtype=np.int32), "b": np.arange(10, dtype=np.float32).reshape(5, 2)},
        "dict_in_tuple": ({"features": x}, y),
        "python_ints": [1, 2, 3, 4],
        "python_floats": [[1.5, 2.0], [3.0, 4.5]],
        "ragged_lengths": np.arange(7, dtype=np.int64),
    }


FUNCTIONS = {
    "double": lambda x: x * 2,
    "square_pair": lambda x: (x, x * x),
    "as_list": lambda x: [x, x + 1],
    "sum_pair": lambda a, b: a + b,
    "dict_to_tuple": lambda d: (d["a"], d["b"]),
    "scale_first": lambda features, label: (features * 0.5, label),
}

PREDICATES = {
    "even": lambda x: x % 2 == 0,
    "first_above_4": lambda features, label: features[0] > 4,
}

# name -> steps. Cardinality, elements and element_spec of each are recorded from tf.data.
PIPELINES: dict[str, list[list[Any]]] = {
    "range": [["range", 10]],
    "range_start_stop_step": [["range", 2, 11, 3]],
    "range_negative_step": [["range", 5, 0, -2]],
    "slices_array": [["slices", "x"]],
    "slices_tuple": [["slices", "xy"]],
    "slices_nested": [["slices", "nested"]],
    "slices_dict": [["slices", "dict"]],
    "slices_dict_in_tuple": [["slices", "dict_in_tuple"]],
    "slices_python_ints": [["slices", "python_ints"]],
    "slices_python_floats": [["slices", "python_floats"]],
    "tensors": [["tensors", "xy"]],
    "batch": [["range", 10], ["batch", 4, False]],
    "batch_drop_remainder": [["range", 10], ["batch", 4, True]],
    "batch_tuple": [["slices", "xy"], ["batch", 4, False]],
    "batch_dict": [["slices", "dict"], ["batch", 2, False]],
    "batch_nested": [["slices", "nested"], ["batch", 4, True]],
    "batch_dict_in_tuple": [["slices", "dict_in_tuple"], ["batch", 4, False]],
    "batch_unbatch": [["slices", "xy"], ["batch", 4, False], ["unbatch"]],
    "unbatch_dict": [["slices", "dict"], ["batch", 3, False], ["unbatch"]],
    "repeat_take": [["range", 3], ["repeat", None], ["take", 7]],
    "repeat_count": [["range", 3], ["repeat", 2]],
    "repeat_zero": [["range", 3], ["repeat", 0]],
    "take_all": [["range", 5], ["take", -1]],
    "take_more": [["range", 5], ["take", 9]],
    "skip": [["range", 5], ["skip", 2]],
    "skip_all": [["range", 5], ["skip", -1]],
    "skip_more": [["range", 5], ["skip", 7]],
    "map": [["range", 5], ["map", "double", None]],
    "map_parallel": [["range", 50], ["map", "double", -1]],
    "map_returns_tuple": [["range", 4], ["map", "square_pair", None]],
    "map_returns_list": [["range", 4], ["map", "as_list", None]],
    "map_spreads_tuple": [["range", 4], ["map", "square_pair", None], ["map", "sum_pair", 2]],
    "map_dict": [["slices", "dict"], ["map", "dict_to_tuple", None]],
    "map_after_batch": [["slices", "xy"], ["batch", 4, False], ["map", "scale_first", None]],
    "filter": [["range", 10], ["filter", "even"]],
    "filter_tuple": [["slices", "xy"], ["filter", "first_above_4"]],
    "filter_repeat": [["range", 10], ["filter", "even"], ["repeat", None], ["take", 8]],
    "concatenate": [["range", 3], ["concatenate", [["range", 10, 12]]]],
    "zip": [["zip", [["range", 3]], [["range", 10, 20]]]],
    "zip_shortest": [["zip", [["range", 5]], [["range", 2], ["repeat", None]]]],
    "cache_repeat": [["range", 4], ["map", "double", None], ["cache"], ["repeat", 2]],
    "prefetch": [["slices", "xy"], ["batch", 2, False], ["prefetch", 2]],
    "prefetch_autotune": [["range", 7], ["map", "double", -1], ["batch", 3, False], ["prefetch", -1]],
    "enumerate": [["range", 10, 13], ["enumerate"]],
    # cardinality rules
    "card_filter": [["range", 10], ["filter", "even"]],
    "card_unbatch": [["range", 10], ["batch", 3, False], ["unbatch"]],
    "card_batch_infinite": [["range", 10], ["repeat", None], ["batch", 3, False]],
    "card_filter_infinite": [["range", 10], ["repeat", None], ["filter", "even"]],
    "card_unbatch_infinite": [["range", 10], ["batch", 3, False], ["repeat", None], ["unbatch"]],
    "card_zip_finite_infinite": [["zip", [["range", 3]], [["range", 5], ["repeat", None]]]],
    "card_zip_finite_unknown": [["zip", [["range", 3]], [["range", 5], ["filter", "even"]]]],
    "card_zip_infinite_unknown": [["zip", [["range", 3], ["repeat", None]], [["range", 5], ["filter", "even"]]]],
    "card_concat_infinite": [["range", 3], ["concatenate", [["range", 5], ["repeat", None]]]],
    "card_concat_unknown": [["range", 3], ["concatenate", [["range", 5], ["filter", "even"]]]],
    "card_concat_infinite_unknown": [["range", 3], ["repeat", None],
                                     ["concatenate", [["range", 5], ["filter", "even"]]]],
    "card_take_infinite": [["range", 3], ["repeat", None], ["take", 7]],
    "card_take_unknown": [["range", 5], ["filter", "even"], ["take", 3]],
    "card_skip_infinite": [["range", 3], ["repeat", None], ["skip", 7]],
    "card_skip_unknown": [["range", 5], ["filter", "even"], ["skip", 1]],
    "card_repeat_empty": [["range", 0], ["repeat", None]],
    "card_repeat_unknown": [["range", 5], ["filter", "even"], ["repeat", None]],
    "card_repeat_unknown_count": [["range", 5], ["filter", "even"], ["repeat", 3]],
    "card_shuffle_cache_prefetch": [["range", 10], ["shuffle", 4, 0], ["cache"], ["prefetch", 1]],
}

# Shuffled with a seed: TensorFlow's generator is not Lamina's, so only the multiset of elements is compared.
SHUFFLED = {"card_shuffle_cache_prefetch"}
INFINITE = {"card_batch_infinite", "card_filter_infinite", "card_unbatch_infinite", "card_zip_infinite_unknown",
            "card_concat_infinite", "card_concat_infinite_unknown", "card_skip_infinite", "card_repeat_unknown"}


def build(dataset_class: Any, steps: list[list[Any]], autotune: int) -> Any:
    """The pipeline ``steps`` made with ``dataset_class`` (tf.data.Dataset or lamina.data.Dataset)."""
    values = inputs()
    source, *rest = steps
    kind, *arguments = source
    if kind == "range":
        dataset = dataset_class.range(*arguments)
    elif kind == "slices":
        dataset = dataset_class.from_tensor_slices(values[arguments[0]])
    elif kind == "tensors":
        dataset = dataset_class.from_tensors(values[arguments[0]])
    elif kind == "zip":
        dataset = dataset_class.zip(tuple(build(dataset_class, part, autotune) for part in arguments))
    else:
        raise ValueError(kind)
    for kind, *arguments in rest:
        if kind == "batch":
            dataset = dataset.batch(arguments[0], drop_remainder=arguments[1])
        elif kind == "unbatch":
            dataset = dataset.unbatch()
        elif kind == "repeat":
            dataset = dataset.repeat(arguments[0])
        elif kind == "take":
            dataset = dataset.take(arguments[0])
        elif kind == "skip":
            dataset = dataset.skip(arguments[0])
        elif kind == "map":
            calls = autotune if arguments[1] == -1 else arguments[1]
            dataset = dataset.map(FUNCTIONS[arguments[0]], num_parallel_calls=calls)
        elif kind == "filter":
            dataset = dataset.filter(PREDICATES[arguments[0]])
        elif kind == "concatenate":
            dataset = dataset.concatenate(build(dataset_class, arguments[0], autotune))
        elif kind == "cache":
            dataset = dataset.cache()
        elif kind == "prefetch":
            dataset = dataset.prefetch(autotune if arguments[0] == -1 else arguments[0])
        elif kind == "shuffle":
            dataset = dataset.shuffle(arguments[0], seed=arguments[1])
        elif kind == "enumerate":
            dataset = dataset.enumerate()
        else:
            raise ValueError(kind)
    return dataset


def encode(element: Any) -> Any:
    """An element (of NumPy values) as JSON: tuples and dicts tagged, arrays as dtype, shape and values."""
    if isinstance(element, tuple):
        return {"tuple": [encode(item) for item in element]}
    if isinstance(element, dict):
        return {"dict": {key: encode(item) for key, item in element.items()}}
    array = np.asarray(element)
    if array.dtype.kind == "S" or array.dtype == object:
        values = np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(array).tolist()
        return {"dtype": "bytes", "shape": list(array.shape), "value": values}
    return {"dtype": array.dtype.name, "shape": list(array.shape), "value": array.tolist()}


def encode_spec(spec: Any) -> Any:
    """An element_spec as JSON (shape with None, dtype name)."""
    if isinstance(spec, tuple):
        return {"tuple": [encode_spec(item) for item in spec]}
    if isinstance(spec, dict):
        return {"dict": {key: encode_spec(item) for key, item in spec.items()}}
    shape = None if spec.shape is None or getattr(spec.shape, "rank", 0) is None else \
        [None if d is None else int(d) for d in spec.shape]
    dtype = spec.dtype
    name = getattr(dtype, "as_numpy_dtype", dtype)
    return {"shape": shape, "dtype": np.dtype(name).name}
