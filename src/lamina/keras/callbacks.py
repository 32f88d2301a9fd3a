"""``keras.callbacks``: EarlyStopping, History, ModelCheckpoint, ..."""

from ..callbacks import *  # noqa: F401,F403
