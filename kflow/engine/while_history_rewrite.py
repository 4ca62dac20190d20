"""The plan rewrite that runs a while loop without recording its history where no gradient reads it.

Once a gradient of a loop is built, its While op records, at every iteration, the body values the gradient
reads (its history output), in every plan that runs the loop. A plan without the loop's gradient (an inference
fetch, Keras ``predict``/``evaluate`` after ``fit``) gets the loop kernel that records nothing: no per-iteration
copies kept alive until the step ends, and a body plan without the extra fetches.

Example:
    >>> sess.run(train_op)      # the While op records its history for WhileGrad
    >>> sess.run(outputs)       # rewrite "while_without_history": nothing recorded
"""
from kflow.engine import rewrites


def _match_while(op, view):
    if op.type != "While" or op.attrs.get("history") is None or not view.on_cpu(op):
        return None
    history = op.attrs["history"]
    if view.consumers.get(history) or history in view.fetched:
        return None  # a gradient (or a fetch) reads it
    return ("while_without_history", [op], list(op.inputs), op.outputs[:-1],
            lambda kernels: kernels[0].without_history())


rewrites.register(rewrites.Rewrite("while_without_history", _match_while))
