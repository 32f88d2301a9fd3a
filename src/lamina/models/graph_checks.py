"""Refusing a training step that could not update anything: the gradient graph was not recorded.

A step needs ``dJ/dw`` for every trainable weight w, so the loss J must have been computed with recording on
(``lamina.is_grad_enabled()`` in this thread) and from the weights. When it was not, the old loop skipped the
update silently: ``fit`` printed losses and trained nothing. These checks turn both causes into an error.
"""

from __future__ import annotations

from typing import Sequence

from ..tensor import Tensor, is_grad_enabled


def require_grad_mode(what: str) -> None:
    """Raise before a training call starts when this thread records no graph (it is inside ``no_grad()``).

    Checked before anything runs, so a refused call changes no weight, statistic or optimizer state.
    """
    if not is_grad_enabled():
        raise RuntimeError(f"{what}() was called inside lamina.no_grad(): this thread records no gradient graph, "
                           f"so no training step could update the weights. Call {what}() outside the no_grad() "
                           f"block.")


def require_graph(loss: Tensor, trainable: Sequence[Tensor], what: str) -> None:
    """Raise when the model has trainable weights but ``loss`` carries no graph back to them."""
    if trainable and not loss.requires_grad:
        raise RuntimeError(f"{what}(): the loss does not depend on the trainable weights (it records no gradient "
                           f"graph), so no training step can update them. A custom loss must compute with Lamina "
                           f"operations on y_pred, not on y_pred.numpy() or on a detached copy.")
