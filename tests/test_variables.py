"""Variable: an assignable tensor whose value is replaced in place."""

import numpy as np
import pytest

from lamina.tensor import Tensor
from lamina.variables import Variable


def test_initial_value_is_copied_and_float32():
    source = np.array([1.0, 2.0])
    v = Variable(source, name="v")
    source[0] = 9.0
    assert v.dtype == np.float32 and v.numpy().tolist() == [1.0, 2.0] and v.requires_grad


def test_initializer_needs_shape():
    with pytest.raises(ValueError, match="needs `shape`"):
        Variable("zeros")
    assert Variable("ones", shape=(2, 3)).numpy().sum() == 6


def test_assign_writes_in_place_so_every_holder_sees_it():
    v = Variable(np.zeros(3))
    view = v.data
    v.assign([1, 2, 3])
    v.assign_add(1.0)
    v.assign_sub([0.5, 0.5, 0.5])
    assert view is v.data and view.tolist() == [1.5, 2.5, 3.5]


def test_assign_rejects_a_wrong_shape_and_changes_nothing():
    v = Variable(np.zeros(3), name="w")
    with pytest.raises(ValueError, match="'w' has shape \\(3,\\)"):
        v.assign(np.ones(4))
    assert v.numpy().tolist() == [0.0, 0.0, 0.0]


def test_arithmetic_gives_plain_tensors_with_gradients():
    v = Variable([2.0, 3.0])
    loss = (v * v).sum()
    assert type(loss) is Tensor
    loss.backward()
    assert v.grad.tolist() == [4.0, 6.0]


def test_non_trainable_needs_no_gradient():
    v = Variable([1.0], trainable=False)
    assert not v.requires_grad
    v.trainable = True
    assert v.requires_grad and v.value is v
