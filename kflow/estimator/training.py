"""``train_and_evaluate`` with TrainSpec / EvalSpec (the local, single-process loop).

Training runs in chunks that end at each checkpoint (``save_checkpoints_steps``, or the
whole run when checkpoints are time-based); after each chunk the new checkpoint is
evaluated, unless less than ``throttle_secs`` passed since the last evaluation. The last
checkpoint is always evaluated.

Example:
    >>> train_spec = TrainSpec(train_input_fn, max_steps=1000)
    >>> eval_spec = EvalSpec(eval_input_fn, steps=None, throttle_secs=0)
    >>> metrics, exports = train_and_evaluate(estimator, train_spec, eval_spec)
"""
import collections
import time


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks"])):
    """``input_fn`` for training, the global step to stop at, and extra hooks."""

    def __new__(cls, input_fn, max_steps=None, hooks=None):
        if max_steps is not None and max_steps <= 0:
            raise ValueError("Must specify max_steps > 0, given: %s" % max_steps)
        return super().__new__(cls, input_fn, max_steps, tuple(hooks or ()))


class EvalSpec(collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters",
                                                   "start_delay_secs", "throttle_secs"])):
    """``input_fn`` for evaluation, ``steps`` (None: until the input ends), a name and hooks."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: %s" % steps)
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or ()), exporters, start_delay_secs,
                               throttle_secs)


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Alternates training and evaluation until ``train_spec.max_steps``; returns ``(last metrics, [])``."""
    chunk = estimator.config.save_checkpoints_steps
    last_eval, metrics = None, None
    while True:
        step = estimator._current_step()
        if train_spec.max_steps is not None and step >= train_spec.max_steps:
            break
        target = train_spec.max_steps
        if chunk:
            target = step + chunk if target is None else min(step + chunk, target)
        before = step
        estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=target)
        step = estimator._current_step()
        done = step == before or (train_spec.max_steps is not None and step >= train_spec.max_steps)
        if done or last_eval is None or time.time() - last_eval >= eval_spec.throttle_secs:
            metrics = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps, hooks=list(eval_spec.hooks),
                                         name=eval_spec.name)
            last_eval = time.time()
        if done:  # finished, or the input ran out before reaching the target
            break
    if metrics is None or metrics.get("global_step") != estimator._current_step():
        metrics = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps, hooks=list(eval_spec.hooks),
                                     name=eval_spec.name)
    return metrics, []
