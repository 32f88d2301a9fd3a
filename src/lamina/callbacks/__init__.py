"""Callbacks for ``fit``/``evaluate``/``predict``, with Keras's protocol and semantics.

Example::

    from lamina.callbacks import EarlyStopping, ModelCheckpoint
    model.fit(x, y, epochs=100, validation_split=0.2,
              callbacks=[EarlyStopping(patience=3, restore_best_weights=True),
                         ModelCheckpoint("best.weights.npz", save_best_only=True, save_weights_only=True)])
"""

from .base import Callback
from .callback_list import CallbackList
from .lambda_callback import LambdaCallback
from .checkpoint import ModelCheckpoint
from .early_stopping import EarlyStopping
from .history import History
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .csv_logger import CSVLogger
from .terminate_on_nan import TerminateOnNaN
from .progbar_logger import ProgbarLogger
from .tensorboard import TensorBoard

__all__ = [
    "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "TensorBoard",
    "TerminateOnNaN",
]
