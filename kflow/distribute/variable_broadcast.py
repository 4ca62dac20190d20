"""Start every rank from the same weights: ``broadcast_global_variables`` and its session-run hook.

Each rank initializes its variables from its own random generator; before training, the root rank's
values are copied to all (one ``MPIBroadcast`` per variable, run in one ``Session.run``).

Example:
    >>> bcast = kd.broadcast_global_variables(0)
    >>> sess.run(kf.global_variables_initializer()); sess.run(bcast)
    >>> est.train(input_fn, hooks=[kd.BroadcastGlobalVariablesHook(0)])
"""
from kflow import train
from kflow.distribute.collective_ops import broadcast
from kflow.engine import graph as graph_mod
from kflow.engine import variables as variables_mod
from kflow.engine.ops.identity_ops import group


def broadcast_variables(variables, root_rank=0, name=None):
    """An op assigning to each of ``variables`` its value on rank ``root_rank``."""
    variables = list(variables)
    if not variables:
        return group(name=name or "broadcast_variables")
    with graph_mod.name_scope(name or "broadcast_variables"):
        return group(*[variables_mod.assign(v, broadcast(v.value(), root_rank)) for v in variables])


def broadcast_global_variables(root_rank=0):
    """An op that gives every global variable of the default graph its value on rank ``root_rank``."""
    return broadcast_variables(graph_mod.get_collection(graph_mod.GraphKeys.GLOBAL_VARIABLES), root_rank,
                               name="broadcast_global_variables")


class BroadcastGlobalVariablesHook(train.SessionRunHook):
    """Broadcasts the global variables from ``root_rank`` once the session exists (after restores and
    initialization), so an Estimator's or MonitoredSession's ranks all start from the root's weights."""

    def __init__(self, root_rank=0):
        self.root_rank = root_rank
        self._op = None

    def begin(self):
        self._op = broadcast_global_variables(self.root_rank)

    def after_create_session(self, session, coord):
        session.run(self._op)
