"""``keras.datasets.imdb`` and ``reuters``: word-index sequences, with Keras's arguments and semantics.

Both files hold each text as a list of word ranks (1 = the most frequent word). ``load_data`` then, as Keras:

1. shuffles the samples with ``np.random.RandomState(seed)`` (IMDB: the training set, then the test set, from one
   generator; Reuters: everything, before the train/test split);
2. adds ``index_from`` to every rank and puts ``start_char`` before each sequence (ranks 0, 1, 2 stay free for
   padding, start and out-of-vocabulary);
3. with ``maxlen``, drops every sequence of ``maxlen`` words or more (Keras keeps only the shorter ones);
4. replaces every word outside ``skip_top <= w < num_words`` by ``oov_char`` (or drops it when ``oov_char`` is
   None); without ``num_words`` the limit is the largest index present, which itself becomes ``oov_char``, as in
   Keras.

The ``.npz`` files hold Python lists inside NumPy object arrays, stored as pickles: they are read with the
restricted unpickler of ``_safe_pickle``, never with ``allow_pickle=True``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ._keras_files import KERAS_ORIGIN, get_file
from ._safe_pickle import load_npz, sequences

IMDB_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
IMDB_WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"
REUTERS_SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
REUTERS_WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"
REUTERS_LABELS = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
    "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi", "iron-steel",
    "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)

Texts = list[list[int]]


def _arrays(fname: str, origin: str, sha256: str, dataset: str, names: tuple[str, ...]) -> dict[str, Any]:
    path = get_file(fname, origin, sha256, dataset)
    arrays = load_npz(path)
    missing = [name for name in names if name not in arrays]
    if missing:
        raise ValueError(f"{path}: not Keras's {dataset} file; it lacks {missing}")
    return {name: arrays[name] for name in names} | {"path": str(path)}


def _labels(array: Any, count: int, source: str) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "iu" or array.shape != (count,):
        raise ValueError(f"{source}: expected {count} integer labels")
    return array


def _offset(texts: Texts, start_char: int | None, index_from: int) -> Texts:
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in texts]
    return [[w + index_from for w in x] for x in texts]


def _shorter_than(maxlen: int, texts: Texts, labels: Any) -> tuple[Texts, list]:
    kept = [(x, y) for x, y in zip(texts, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def _vocabulary(texts: Texts, num_words: int | None, skip_top: int, oov_char: int | None) -> Texts:
    if not num_words:
        num_words = max(max(x) for x in texts)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in texts]
    return [[w for w in x if skip_top <= w < num_words] for x in texts]


def _check_unknown(kwargs: dict[str, Any], function: str) -> None:
    if kwargs:
        raise TypeError(f"{function}() got unexpected keyword argument(s) {sorted(kwargs)}")


def imdb_load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
                   maxlen: int | None = None, seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2,
                   index_from: int = 3, **kwargs: Any) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray,
                                                                                                     np.ndarray]]:
    """The IMDB movie reviews (25,000 + 25,000), labels 1 (positive) / 0, as Keras loads them.

    Returns x_train, x_test as NumPy object arrays of lists of ints (see the module docstring for the
    arguments) and y_train, y_test as integer arrays.
    """
    _check_unknown(kwargs, "imdb.load_data")
    data = _arrays(path, KERAS_ORIGIN + "imdb.npz", IMDB_SHA256, "imdb", ("x_train", "y_train", "x_test", "y_test"))
    x_train, x_test = sequences(data["x_train"], data["path"]), sequences(data["x_test"], data["path"])
    labels_train = _labels(data["y_train"], len(x_train), data["path"])
    labels_test = _labels(data["y_test"], len(x_test), data["path"])
    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, labels_train = [x_train[i] for i in order], labels_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, labels_test = [x_test[i] for i in order], labels_test[order]
    x_train, x_test = _offset(x_train, start_char, index_from), _offset(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _shorter_than(maxlen, x_train, labels_train)
        x_test, labels_test = _shorter_than(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             f"Increase maxlen.")
    texts = _vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    return ((np.array(texts[:split], dtype="object"), labels[:split]),
            (np.array(texts[split:], dtype="object"), labels[split:]))


def reuters_load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
                      maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
                      start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3
                      ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The Reuters newswires (11,228), 46 topics, as Keras loads them; the last ``test_split`` of the shuffled
    samples is the test set."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1); received {test_split!r}")
    data = _arrays(path, KERAS_ORIGIN + "reuters.npz", REUTERS_SHA256, "reuters", ("x", "y"))
    texts = sequences(data["x"], data["path"])
    labels = _labels(data["y"], len(texts), data["path"])
    order = np.arange(len(texts))
    np.random.RandomState(seed).shuffle(order)
    texts, labels = [texts[i] for i in order], labels[order]
    texts = _offset(texts, start_char, index_from)
    if maxlen:
        texts, labels = _shorter_than(maxlen, texts, labels)
        if not texts:  # Keras fails here too, on an empty max()
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             f"Increase maxlen.")
    texts = _vocabulary(texts, num_words, skip_top, oov_char)
    split = int(len(texts) * (1 - test_split))
    return ((np.array(texts[:split], dtype="object"), np.array(labels[:split])),
            (np.array(texts[split:], dtype="object"), np.array(labels[split:])))


def _word_index(fname: str, origin: str, md5: str, dataset: str) -> dict[str, int]:
    path = get_file(fname, origin, md5, dataset)
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as problem:
        raise ValueError(f"{path}: not a word index ({problem})") from None
    if not isinstance(index, dict) or not all(isinstance(k, str) and type(v) is int for k, v in index.items()):
        raise ValueError(f"{path}: a word index maps words to integers")
    return index


def imdb_get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """{word: rank} of the IMDB reviews (add ``index_from`` to match ``load_data``'s sequences)."""
    return _word_index(path, KERAS_ORIGIN + "imdb_word_index.json", IMDB_WORD_INDEX_MD5, "imdb")


def reuters_get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """{word: rank} of the Reuters newswires (add ``index_from`` to match ``load_data``'s sequences)."""
    return _word_index(path, KERAS_ORIGIN + "reuters_word_index.json", REUTERS_WORD_INDEX_MD5, "reuters")


def reuters_get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in the order of the labels."""
    return REUTERS_LABELS
