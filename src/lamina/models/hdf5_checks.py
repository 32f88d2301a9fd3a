"""Refusing HDF5 content that reads outside the file or unpacks into more memory than the file justifies.

A ``.keras`` file's ``model.weights.h5`` (and a ``.weights.h5`` file) is HDF5, which can do much more than hold
arrays: a dataset may keep its bytes in *external* files (``/etc/passwd`` read as a kernel), a *virtual* dataset
maps other files' datasets, an *external link* opens another file, a filter may load a plugin from disk, and a
chunked dataset with no stored chunks reads as gigabytes of its fill value. Keras writes none of these: plain
numeric datasets in groups joined by hard links. So ``check_hdf5`` walks the whole file *before* any dataset is
read and refuses, with a ValueError naming the file and the object's path:

- any link that is not a hard link (soft, external or user-defined links);
- any dataset with external storage, a virtual layout, or a filter outside HDF5's and h5py's built-in ones;
- more than ``MAX_DEPTH`` nested groups or ``MAX_OBJECTS`` objects (a hard-link cycle stops here too);
- datasets whose sizes add up to more than ``budget`` bytes (see ``file_checks.expansion_budget``).

``read_weights`` then reads one ``vars`` group, checking each dataset's shape (and numeric dtype) against what
the model needs before reading it.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .file_checks import check_conversion

MAX_DEPTH = 32
MAX_OBJECTS = 100_000
# HDF5's own filters and h5py's bundled LZF: no plugin is loaded from disk for these.
BUILT_IN_FILTERS = {1: "gzip", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset", 32000: "lzf"}


def check_hdf5(h5: Any, describe: str, budget: int) -> None:
    """Walk every link and dataset of the open file ``h5``; ValueError starting with ``describe`` on a refusal."""
    import h5py

    def refuse(path: str, problem: str) -> ValueError:
        return ValueError(f"{describe}: HDF5 object {path} {problem}; refused (Keras files hold plain datasets)")

    total = 0
    count = 0
    stack = [(h5, "/", 0)]
    while stack:
        group, prefix, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise refuse(prefix, f"is nested more than {MAX_DEPTH} groups deep")
        for name in group:
            path = prefix + name
            count += 1
            if count > MAX_OBJECTS:
                raise refuse(path, f"is beyond the {MAX_OBJECTS} objects accepted in one file")
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                target = getattr(link, "filename", None) or getattr(link, "path", None)
                raise refuse(path, f"is a {type(link).__name__}" + (f" to {target!r}" if target else ""))
            item = group[name]
            if isinstance(item, h5py.Group):
                stack.append((item, path + "/", depth + 1))
            elif isinstance(item, h5py.Dataset):
                _check_storage(item, path, refuse)
                total += math.prod(item.shape or ()) * item.dtype.itemsize
    if total > budget:
        raise ValueError(f"{describe}: its datasets hold {total} bytes, more than the {budget} accepted for a file "
                         f"of this size (a chunked or compressed dataset that unpacks into far more than is stored)")


def _check_storage(dataset: Any, path: str, refuse: Any) -> None:
    import h5py

    if dataset.is_virtual:
        raise refuse(path, "is a virtual dataset (it reads other files)")
    plist = dataset.id.get_create_plist()
    if plist.get_external_count():
        files = [entry[0] for entry in dataset.external or []]
        raise refuse(path, f"keeps its data in external file(s) {files}")
    layout = plist.get_layout()
    if layout not in (h5py.h5d.COMPACT, h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED):
        raise refuse(path, f"has storage layout {layout}, which reads outside the file")
    for index in range(plist.get_nfilters()):
        code = plist.get_filter(index)[0]
        if code not in BUILT_IN_FILTERS:
            raise refuse(path, f"uses HDF5 filter {code}, which is not built in (it would load a plugin)")


def read_weights(group: Any, planned: Sequence[Any], describe: str) -> list[np.ndarray]:
    """The datasets ``0..n-1`` of a Keras ``vars`` group, each checked against its ``PlannedWeight`` (shape, and
    values that fit the model's dtype) before or as it is read; ValueError naming ``describe`` otherwise."""
    import h5py

    if not isinstance(group, h5py.Group):
        raise ValueError(f"{describe}: is not a group of datasets")
    names = sorted(group.keys(), key=lambda name: int(name) if name.isdigit() else -1)
    if names != [str(i) for i in range(len(names))]:
        raise ValueError(f"{describe}: holds datasets {names[:8]}, not 0..n-1")
    if len(names) != len(planned):
        raise ValueError(f"{describe}: holds {len(names)} weights, but the layer has {len(planned)}")
    arrays = []
    for name, weight in zip(names, planned):
        dataset = group[name]
        where = f"{describe}/{name}"
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "biuf":
            raise ValueError(f"{where}: is not a numeric dataset")
        if tuple(dataset.shape or ()) != weight.shape:
            raise ValueError(f"{where}: has shape {tuple(dataset.shape or ())}, but the model's {weight.name} "
                             f"needs {weight.shape}")
        array = np.asarray(dataset[()])
        check_conversion(array, weight.dtype, where)
        arrays.append(array)
    return arrays
