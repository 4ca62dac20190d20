"""kf.keras.callbacks: hooks into fit/evaluate/predict (one file per callback or small group).

Example:
    >>> from kflow.keras.callbacks import EarlyStopping, ModelCheckpoint
    >>> model.fit(x, y, validation_split=0.1, epochs=20,
    ...           callbacks=[EarlyStopping(patience=2), ModelCheckpoint("best.h5", save_best_only=True)])
"""
from kflow.keras.callbacks.base import Callback, CallbackList
from kflow.keras.callbacks.history import History
from kflow.keras.callbacks.progbar import ProgbarLogger
from kflow.keras.callbacks.model_checkpoint import ModelCheckpoint
from kflow.keras.callbacks.early_stopping import EarlyStopping
from kflow.keras.callbacks.tensorboard import TensorBoard
from kflow.keras.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from kflow.keras.callbacks.csv_logger import CSVLogger
from kflow.keras.callbacks.misc import TerminateOnNaN, LambdaCallback

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "ModelCheckpoint", "EarlyStopping", "TensorBoard",
           "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "TerminateOnNaN", "LambdaCallback"]

# issue 15 (round 2): text preprocessing / optimizers
from kflow.keras.callbacks.backup_and_restore import BackupAndRestore  # noqa: E402

__all__ += ["BackupAndRestore"]
from kflow.keras.callbacks.swap_ema_weights import SwapEMAWeights  # noqa: E402

__all__ += ["SwapEMAWeights"]
