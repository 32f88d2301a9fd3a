"""Scratch arrays are reused only when nothing refers to them any more, and what is kept stays bounded."""

import numpy as np

from lamina import workspace


def address(array):
    return array.__array_interface__["data"][0]


def test_an_array_in_use_is_never_handed_out_again():
    workspace.clear()
    first = workspace.scratch((4, 5), np.float32)
    first_address = address(first)
    view = first.reshape(20)          # a view keeps its base alive, as a backward closure's reshape does
    del first
    second = workspace.scratch((4, 5), np.float32)
    assert not np.shares_memory(second, view)
    second_address = address(second)
    del second
    assert address(workspace.scratch((4, 5), np.float32)) == second_address   # the free one, not the viewed one
    del view
    assert address(workspace.scratch((4, 5), np.float32)) == first_address    # free again: reused


def test_kept_memory_is_bounded():
    workspace.clear()
    big = workspace.scratch((workspace._MAX_KEPT_BYTES // 4 + 1,), np.float32)
    assert workspace._kept_bytes() == 0           # too large to keep
    del big
    for n in range(40):
        workspace.scratch((n + 1, 3), np.float64)
    assert len(workspace._pool) <= workspace._MAX_KEYS
    workspace.clear()
    assert workspace._kept_bytes() == 0
