"""``KerasClassifier`` and ``KerasRegressor``: Keras models as scikit-learn estimators, as Keras 2's
``keras.wrappers.scikit_learn`` (kflow does not need scikit-learn; these follow its estimator protocol).

``build_fn(**params)`` returns a compiled model; keyword arguments of the wrapper go to ``build_fn``, ``fit``,
``predict`` and ``evaluate`` by their parameter names, so ``GridSearchCV`` can tune both the architecture and
the training (``epochs``, ``batch_size``).

Example:
    >>> def build(units=16):
    ...     model = kf.keras.Sequential([Dense(units, activation="relu", input_shape=(4,)),
    ...                                  Dense(3, activation="softmax")])
    ...     model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    ...     return model
    >>> clf = KerasClassifier(build, units=32, epochs=20, verbose=0)
    >>> cross_val_score(clf, x, y, cv=3)
"""
import copy
import inspect

import numpy as np

from kflow.keras.model.sequential import Sequential
from kflow.keras.utils import to_categorical


def _accepts(fn):
    return set(inspect.signature(fn).parameters)


def _is_categorical_crossentropy(loss):
    name = getattr(loss, "__name__", loss)
    return name in ("categorical_crossentropy", "CategoricalCrossentropy")


def _sklearn_tags(estimator_type):
    """scikit-learn >= 1.6 asks estimators for their tags; only then is scikit-learn imported."""
    from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags
    return Tags(estimator_type=estimator_type, target_tags=TargetTags(required=True), input_tags=InputTags(),
                classifier_tags=ClassifierTags() if estimator_type == "classifier" else None,
                regressor_tags=RegressorTags() if estimator_type == "regressor" else None)


class BaseWrapper:
    """Stores ``build_fn`` and its/fit's keyword arguments (``sk_params``); ``get_params``/``set_params`` let
    scikit-learn clone the estimator."""

    _estimator_type = None  # scikit-learn < 1.6 reads this attribute; newer versions call __sklearn_tags__

    def __sklearn_tags__(self):
        return _sklearn_tags(self._estimator_type)

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def check_params(self, params):
        """Raises ValueError for a parameter that neither ``build_fn`` nor the model's methods take."""
        legal = set()
        for fn in (Sequential.fit, Sequential.predict, Sequential.evaluate):
            legal |= _accepts(fn)
        if self.build_fn is None:
            legal |= _accepts(self.__call__)
        else:
            legal |= _accepts(self.build_fn if inspect.isfunction(self.build_fn) or inspect.ismethod(self.build_fn)
                              else self.build_fn.__call__)
        for name in params:
            if name not in legal and name != "nb_epoch":
                raise ValueError("%s is not a legal parameter (of build_fn, fit, predict or evaluate)" % name)

    def get_params(self, **params):
        return dict(copy.deepcopy(self.sk_params), build_fn=self.build_fn)

    def set_params(self, **params):
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The ``sk_params`` (then ``override``) that ``fn`` accepts."""
        accepted = _accepts(fn)
        out = {k: v for k, v in self.sk_params.items() if k in accepted}
        out.update({k: v for k, v in (override or {}).items() if k in accepted})
        return out

    def _build(self):
        if self.build_fn is None:
            return self.__call__(**self.filter_sk_params(self.__call__))
        fn = self.build_fn if inspect.isfunction(self.build_fn) or inspect.ismethod(self.build_fn) \
            else self.build_fn.__call__
        return self.build_fn(**self.filter_sk_params(fn))

    def fit(self, x, y, **kwargs):
        """Builds a new model with ``build_fn`` and fits it; returns the History."""
        self.model = self._build()
        y = np.asarray(y)
        if _is_categorical_crossentropy(getattr(self.model, "loss", None)) and y.ndim != 2:
            y = to_categorical(y)
        self.history_ = self.model.fit(x, y, **self.filter_sk_params(Sequential.fit, kwargs))
        return self.history_


class KerasClassifier(BaseWrapper):
    """A classifier: labels may be any sortable values (encoded as their index in ``classes_``)."""

    _estimator_type = "classifier"

    def fit(self, x, y, sample_weight=None, **kwargs):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        else:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict_proba(self, x, **kwargs):
        """Class probabilities ``[n, n_classes]`` (a single sigmoid output becomes two columns)."""
        probs = self.model.predict(x, **self.filter_sk_params(Sequential.predict, kwargs))
        return np.hstack([1 - probs, probs]) if probs.shape[1] == 1 else probs

    def predict(self, x, **kwargs):
        probs = self.model.predict(x, **self.filter_sk_params(Sequential.predict, kwargs))
        index = probs.argmax(axis=-1) if probs.shape[-1] > 1 else (probs[:, 0] > 0.5).astype(np.int64)
        return self.classes_[index]

    def score(self, x, y, **kwargs):
        """The model's accuracy on ``(x, y)`` (it must be compiled with an accuracy metric)."""
        y = np.searchsorted(self.classes_, np.asarray(y))
        if _is_categorical_crossentropy(getattr(self.model, "loss", None)) and y.ndim != 2:
            y = to_categorical(y, self.n_classes_)
        outputs = self.model.evaluate(x, y, **self.filter_sk_params(Sequential.evaluate, dict(kwargs, verbose=0)))
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for name, value in zip(self.model.metrics_names, outputs):
            if name in ("accuracy", "acc"):
                return value
        raise ValueError("KerasClassifier.score needs the model compiled with metrics=['accuracy'] (its metrics "
                         "are %s)" % self.model.metrics_names)


class KerasRegressor(BaseWrapper):
    """A regressor: ``predict`` returns the squeezed outputs; ``score`` is minus the loss (greater is better)."""

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        return np.squeeze(self.model.predict(x, **self.filter_sk_params(Sequential.predict, kwargs)))

    def score(self, x, y, **kwargs):
        loss = self.model.evaluate(x, y, **self.filter_sk_params(Sequential.evaluate, dict(kwargs, verbose=0)))
        return -(loss[0] if isinstance(loss, list) else loss)
