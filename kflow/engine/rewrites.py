"""Plan rewrites: short op sequences of a compiled plan replaced by one fused kernel (like grappler's remapper).

A rewrite is declared once (:class:`Rewrite`): a matcher that, given an op of the plan, returns the ops of
its pattern (or None) and a builder of the fused kernel. :func:`rewrite_plan` runs every registered rewrite
over a plan's op sequence when the plan is compiled; the user's Graph is never touched (names,
collections, gradients and saved meta graphs stay as built), only the plan holds the fused node.

A pattern applies only where fusing cannot be observed: each intermediate value it drops is consumed by
the next op of the pattern alone (no other op of the plan reads it, it is not fetched or fed), no op of the
plan waits on a dropped op through a control dependency, and every op of the pattern runs on the CPU
(kernels here use numpy's in-place ufuncs and kflow's batch threads; GPU plans are left as built).

Registered rewrites:
    conv2d_bias(_relu), matmul_bias(_relu)  Conv2D/MatMul -> BiasAdd (or ``+ bias`` of a 1-D bias) [-> Relu]:
        the bias (and relu) applied in place on the product's fresh output, in cache-sized blocks.
    relu_grad_bias_grad  ReluGrad -> BiasAddGrad (or the ``+ bias`` gradient's SumToShapeOf): one pass writes
        the masked gradient and sums it per channel while the block is cached.
    max_pool_argmax (+ max_pool_grad_argmax)  MaxPool and its MaxPoolGrads in one plan: the forward keeps each
        window's argmax and the gradients route by it (``max_pool_argmax_rewrite.py``).
    max_pool_(argmax_)relu_grad(_bias_grad)  MaxPoolGrad -> ReluGrad [-> the bias gradient]: the pooled gradient
        masked by ``pooled > 0`` (and summed per channel) before routing, no full-size ReluGrad pass
        (``max_pool_relu_grad_rewrite.py``; the argmax variant is built by max_pool_argmax's matcher).
    conv2d_keep_input (+ conv2d_filter_grad_kept_input)  a Winograd Conv2D (also with bias (and relu):
        ``conv2d_bias(_relu)_keep_input``) and its Conv2DBackpropFilters in one plan: the forward keeps its input
        transform and the filter gradients read it instead of transforming the input again
        (``winograd_keep_input_rewrite.py``; tried before conv2d_bias(_relu), whose fusion it keeps).
    while_without_history  a While whose recorded history no gradient reads records none
        (``while_history_rewrite.py``).
Softmax + cross-entropy needs no rewrite: its op computes the loss and the backprop in one pass
(``ops/xent_ops.py``); dropout draws, scales and applies its mask in one blocked pass (``ops/dropout_op.py``).

Switched off with the environment variable ``KFLOW_GRAPH_REWRITES=0`` (read when a plan is compiled) or
in code with ``with rewrites.enabled(False):`` around the first ``Session.run`` of a fetch (plans are
cached per session, so compare results in two sessions). ``applied_rewrites(plan)`` lists what a plan got.

Example:
    >>> with kf.Session() as sess:
    ...     sess.run(train_op, feed)
    ...     plan = next(iter(sess._plans.values()))[0]
    ...     applied_rewrites(plan)   # ["conv2d_bias_relu", "relu_grad_bias_grad", ...]
"""
import contextlib
import os

ENV_VAR = "KFLOW_GRAPH_REWRITES"
_switch = []  # innermost ``enabled(...)`` override, when any


def is_enabled():
    """Whether plans compiled now get the rewrites: ``enabled(...)`` when inside one, else the environment."""
    if _switch:
        return _switch[-1]
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "off", "false", "no")


@contextlib.contextmanager
def enabled(flag):
    """Plans compiled inside the block get the rewrites (``True``) or not (``False``), whatever the environment.

    Example:
        >>> with rewrites.enabled(False):
        ...     reference = kf.Session().run(y, feed)
    """
    _switch.append(bool(flag))
    try:
        yield
    finally:
        _switch.pop()


class Rewrite:
    """One declared rewrite.

    Args:
        name: the base name listed by :func:`applied_rewrites` (the matcher may add a suffix per variant).
        match: ``match(op, plan_view) -> (variant_name, ops, inputs, outputs, make_kernel) | None``; ``ops`` are
            the plan ops replaced, ``inputs``/``outputs`` the fused node's tensors (or :class:`PlanValue` s passed
            between fused nodes), ``make_kernel(kernels)`` builds its kernel from the replaced ops' own kernels
            (in ``ops`` order). A list of such tuples replaces several places at once (all or none).
    """

    def __init__(self, name, match):
        self.name = name
        self.match = match


_REGISTRY = []


def register(rewrite, before=None):
    """Adds ``rewrite`` to the rewrites every plan gets (tried on each op in registration order), or just ahead
    of the registered rewrite named ``before`` (a rewrite that claims what that one would otherwise claim)."""
    names = registered()
    if before is not None and before not in names:
        raise ValueError("rewrite %r: no registered rewrite %r to go before (registered: %s)"
                         % (rewrite.name, before, names))
    _REGISTRY.insert(names.index(before) if before is not None else len(_REGISTRY), rewrite)
    return rewrite


def registered():
    """Names of the registered rewrites."""
    return [r.name for r in _REGISTRY]


# (op type, input index) of inputs whose kernels read only the shape: gradients of broadcasting ops
# (``unbroadcast``) read the forward operand's shape through these when static shapes have unknown dims
SHAPE_ONLY_INPUTS = {("SumToShapeOf", 1), ("BroadcastLike", 1)}


class _Traits:
    """The declaration-like traits of a fused node, read by the plan (BLAS threads, fetch copies)."""
    __slots__ = ("type", "splits", "blas", "state_output", "view", "host_only")

    def __init__(self, type, ops):  # noqa: A002 - the plan reads .type as an OpDef's
        self.type = type
        self.splits = any(op.op_def.splits for op in ops)
        self.blas = any(op.op_def.blas for op in ops)
        self.state_output = self.view = self.host_only = False


class FusedOp:
    """A plan-only node standing for ``ops`` (never added to a Graph); quacks like an Operation for the plan.

    ``outputs`` are the replaced ops' own Tensors, so fetches, feeds and gradients keep naming them.
    """

    def __init__(self, rewrite_name, ops, inputs, outputs, make_kernel):
        self.rewrite = rewrite_name
        self.fused_ops = list(ops)
        self.type = "Fused(%s)" % "+".join(op.type for op in ops)
        self.op_def = _Traits(self.type, ops)
        self.name = ops[-1].name
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.control_inputs = [c for op in ops for c in op.control_inputs]
        self.attrs = {}
        self.graph = ops[0].graph
        self.device = ops[0].device
        self._make_kernel = make_kernel

    @property
    def created_at(self):
        return self.fused_ops[0].created_at

    def kernel(self, session):
        return self._make_kernel([op.kernel(session) for op in self.fused_ops])

    def __repr__(self):
        return "<FusedOp '%s' type=%s>" % (self.name, self.type)


class PlanValue:
    """A value only the plan holds, no Tensor of the Graph: e.g. what a forward kernel keeps for the backward one.

    Args:
        op: the graph op whose plan position produces it (orders the fused nodes reading it).
        name: shown in errors and traces.
    """

    def __init__(self, op, name):
        self.op = op
        self.name = name

    def __repr__(self):
        return "<PlanValue '%s'>" % self.name


class PlanView:
    """What a matcher may ask about the plan: who reads a value, what is fetched, where ops run."""

    def __init__(self, ops, placements, targets, feeds):
        self.placements = placements
        self.position = {op: i for i, op in enumerate(ops)}
        self.consumers = {}
        for op in ops:
            for i, t in enumerate(op.inputs):
                self.consumers.setdefault(t, []).append((op, i))
        self.fetched = {t for t in targets if hasattr(t, "value_index")}
        self.fed = set(feeds)
        self.waiters = {}  # op -> the plan ops with a control dependency on it
        for op in ops:
            for c in op.control_inputs:
                self.waiters.setdefault(c, []).append(op)
        self.claimed = set()
        self.runs_at = {}  # claimed op -> plan position of the fused node doing its work
        self.made_at = {}  # output of a fused node -> the node's plan position

    def on_cpu(self, *ops):
        return all(op in self.position and op not in self.claimed and self.placements[op][0] == "CPU"
                   for op in ops)

    def sole_consumer(self, t, types):
        """The op (of one of ``types``) that alone reads the values of ``t``, when ``t`` is private to it (other
        readers may read its shape only: see :meth:`shape_read`); else None."""
        if t in self.fetched or t in self.fed or t.op in self.waiters:
            return None
        readers = [r for r, i in self.consumers.get(t, ()) if (r.type, i) not in SHAPE_ONLY_INPUTS]
        if len(readers) != 1 or readers[0].type not in types:
            return None
        return readers[0]

    def shape_read(self, t):
        """Whether some op of the plan reads the shape of ``t`` (and only that): a fused node whose pattern
        drops ``t`` must still give those ops an array of ``t``'s shape."""
        return any((r.type, i) in SHAPE_ONLY_INPUTS for r, i in self.consumers.get(t, ()))

    def readers(self, t, types):
        """The ops of ``types`` that read ``t`` (in plan order)."""
        return [op for op, _ in self.consumers.get(t, ()) if op.type in types]


def rewrite_plan(ops, placements, targets, feeds):
    """Applies the registered rewrites to the op sequence ``ops``; returns ``(ops, applied names)``.

    ``placements`` gains an entry for each fused node (the device of the ops it replaces).
    """
    if not is_enabled() or not _REGISTRY:
        return ops, []
    view = PlanView(ops, placements, targets, feeds)
    replaced = {}  # plan position -> fused node placed there (None: a removed op)
    applied = []
    for op in ops:
        if op in view.claimed:
            continue
        for rewrite in _REGISTRY:
            found = rewrite.match(op, view)
            if found is None:
                continue
            found = found if isinstance(found, list) else [found]
            wheres, made = [], {}  # values made by the earlier nodes of ``found``: where those run
            for _, matched, inputs, outputs, _ in found:
                wheres.append(_position(matched, inputs, outputs, view, made))
                if wheres[-1] is None:
                    break
                made.update((t, wheres[-1]) for t in outputs)
            if None in wheres:
                continue
            for where, (name, matched, inputs, outputs, make_kernel) in zip(wheres, found):
                node = FusedOp(name, matched, inputs, outputs, make_kernel)
                placements[node] = placements[matched[0]]
                for m in matched:
                    view.claimed.add(m)
                    view.runs_at[m] = where
                    replaced[view.position[m]] = None
                view.made_at.update((t, where) for t in outputs)
                replaced[where] = node
                applied.append(name)
            break
    if not applied:
        return ops, []
    out = []
    for i, op in enumerate(ops):
        if i in replaced:
            if replaced[i] is not None:
                out.append(replaced[i])
        else:
            out.append(op)
    return out, applied


def _position(matched, inputs, outputs, view, made=None):
    """The plan position (one of the matched ops') where the fused node sees all its inputs computed and runs
    before every reader of its outputs and after every control input of the ops it replaces; None if none.
    ``made``: positions of values made by fused nodes not yet placed (the earlier ones of one match)."""
    pos = view.position
    inside = set(matched)
    made = made or {}
    ready = max([made.get(t, view.made_at.get(t, pos[t.op])) for t in inputs
                 if t.op in pos and t not in view.fed] +
                [view.runs_at.get(c, pos[c]) for op in matched for c in op.control_inputs if c in pos], default=-1)
    after = [r for t in outputs for r, _ in view.consumers.get(t, ())] + \
        [w for op in matched for w in view.waiters.get(op, ())]
    first_reader = min([view.runs_at.get(r, pos[r]) for r in after if r not in inside], default=len(pos))
    for op in sorted(matched, key=pos.get):
        if ready < pos[op] < first_reader:
            return pos[op]
    return None


def applied_rewrites(plan):
    """The rewrites applied to ``plan`` (a compiled :class:`~kflow.engine.plan.Plan`), in plan order."""
    return [op.rewrite for op in plan.ops if isinstance(op, FusedOp)]


def unfused_records(records):
    """Trace records ``(op, device, start, end, thread)`` with each fused node's record replaced by one per op it
    stands for, so a traced step still lists every graph op: the first op (the product, where the time goes)
    gets the kernel's span, the others a zero-length record at its end (they ran inside that kernel)."""
    out = []
    for op, device, start, end, thread in records:
        if not isinstance(op, FusedOp):
            out.append((op, device, start, end, thread))
            continue
        out.append((op.fused_ops[0], device, start, end, thread))
        out.extend((sub, device, end, end, thread) for sub in op.fused_ops[1:])
    return out

