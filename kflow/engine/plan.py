"""Compiles a fetched subgraph into an execution plan: one generated Python function.

The plan is built once per (fetches, feeds) and cached by the session. Each needed
op becomes one line ``t7 = k3(t2, t5)`` of a generated function whose locals are
the value slots, so a step does no graph walking, no dict lookups and no
per-op bookkeeping; values are dropped (``del``) after their last use.

Example:
    >>> plan = Plan(session, [y], [x])
    >>> plan.run([x_value])  # -> [y_value]
"""
import itertools
import linecache
import weakref

from kflow import errors
from kflow.engine import blas_threads, core_budget, rewrites
# these register their rewrites
from kflow.engine import bias_relu_rewrites, max_pool_argmax_rewrite, max_pool_relu_grad_rewrite  # noqa: F401
from kflow.engine import while_history_rewrite  # noqa: F401
from kflow.engine import winograd_keep_input_rewrite  # noqa: F401
from kflow.engine import run_metadata as run_metadata_mod
from kflow.engine.placement import device_name

PLAN_FILENAME_PREFIX = "<kflow plan "
_plan_numbers = itertools.count()


class Plan:
    """An ordered list of kernel calls for ``targets`` given values for ``feeds``.

    Args:
        session: the Session whose state stateful kernels bind to.
        targets: Tensors and Operations to compute/run.
        feeds: Tensors whose values are supplied at run time (in this order).
        home: the device that holds the feed values and receives the fetched ones: the host for
            ``Session.run``; a cond's branch plan lives on its op's device.
    """

    def __init__(self, session, targets, feeds, home=("CPU", 0)):
        self.feeds = list(feeds)
        self.home = home
        self.ops = needed_ops(targets, self.feeds)
        self._check_feedable(session)
        self.placer = session.placer
        self.placements = {op: self.placer.place(op) for op in self.ops}
        # fused kernels for op patterns (the Graph is unchanged; ``rewrites.applied_rewrites(plan)`` lists them)
        self.ops, self.rewrites = rewrites.rewrite_plan(self.ops, self.placements, targets, self.feeds)
        self._names = {}
        self.fetch_copies = []
        # kernels that run their own threads get the cores to themselves for the whole step
        self.lowers_blas = any(op.op_def.splits and self.placements[op][0] == "CPU" for op in self.ops)
        # plans with matrix products size BLAS's threads to the cores other processes leave free
        self.calls_blas = any(op.op_def.blas and self.placements[op][0] == "CPU" for op in self.ops)
        self._compile(session, targets)

    def _check_feedable(self, session):
        for op in self.ops:
            if op.type == "Placeholder":
                t = op.outputs[0]
                raise errors.InvalidArgumentError(
                    None, op,
                    "You must feed a value for placeholder tensor '%s' with dtype %s and shape %s "
                    "(created at %s)." % (t.name, t.dtype.name, _shape_str(t.shape), op.created_at))

    def _slot(self, tensor):
        return self._names[tensor]

    def _compile(self, session, targets):
        names = self._names
        for i, t in enumerate(self.feeds):
            names[t] = "f%d" % i
        last_use = {}
        for step, op in enumerate(self.ops):
            for t in op.inputs:
                last_use[t] = step
        kernels = {}
        lines = ["def plan_run(feeds):", "    %s = feeds" % _tuple_target([names[t] for t in self.feeds])]
        self.line_ops = {}
        home = self.home
        where = {t: home for t in self.feeds}  # device holding each named value
        moved = {}  # (tensor, device) -> name of its copy there
        for step, op in enumerate(self.ops):
            placed = self.placements[op]
            args = []
            for t in op.inputs:
                if where[t] == placed:
                    args.append(names[t])
                    continue
                key = (t, placed)
                if key not in moved:
                    moved[key] = "%s_%s%d" % (names[t], placed[0], placed[1])
                    to = "from_%s%d_to_%s%d" % (where[t] + placed)
                    kernels[to] = self._transfer(where[t], placed)
                    lines.append("    %s = %s(%s)" % (moved[key], to, names[t]))
                args.append(moved[key])
            outs = []
            for i, t in enumerate(op.outputs):  # i, not value_index: a fused node has several ops' outputs
                if t not in names:
                    names[t] = "t%d_%d" % (step, i)
                    where[t] = placed
                outs.append(names[t])
            kname = "k%d" % step
            kernels[kname] = self._kernel(op, placed, session)
            call = "%s(%s)" % (kname, ", ".join(args))
            if not op.outputs:
                line = "    " + call
            elif len(op.outputs) == 1:
                line = "    %s = %s" % (outs[0], call)
            else:
                line = "    %s = %s" % (", ".join(outs), call)
            lines.append(line)
            self.line_ops[len(lines)] = op
            dead = [names[t] for t in op.inputs if last_use.get(t) == step and not _is_target(t, targets)
                    and t not in self.feeds]
            if dead:
                lines.append("    del %s" % ", ".join(sorted(set(dead))))
        fetch_names = []
        for t in targets:
            if not hasattr(t, "value_index"):
                continue
            if where[t] == home:
                fetch_names.append(names[t])
            else:  # fetched values come back to the plan's home (as numpy, for Session.run)
                to = "from_%s%d_to_%s%d" % (where[t] + home)
                kernels[to] = self._transfer(where[t], home)
                fetch_names.append("%s(%s)" % (to, names[t]))
            self.fetch_copies.append(_aliases_state(t) and where[t] == home)
        lines.append("    return [%s]" % ", ".join(fetch_names))
        self.source = "\n".join(lines) + "\n"
        namespace = dict(kernels)
        filename = _register_source(self.source)
        weakref.finalize(self, linecache.cache.pop, filename, None)
        code = compile(self.source, filename, "exec")
        exec(code, namespace)
        self._fn = namespace["plan_run"]
        # for a traced run: the same code over timed kernels, built on the first one
        self._code, self._kernels, self._traced = code, kernels, None

    def _kernel(self, op, placed, session):
        if placed[0] != "CPU" and not op.inputs and "value" in op.attrs:
            # constants are uploaded once, when the plan is built, not on every step
            value = self.placer.backend_for(placed).to_device(op.attrs["value"])
            return lambda: value
        return op.kernel(session)

    def _transfer(self, src, dst):
        """The copy of a value from device ``src`` to ``dst``: onto the GPU, or back to the host."""
        if dst[0] == "CPU":
            return self.placer.backend_for(src).to_host
        return self.placer.backend_for(dst).to_device

    def run(self, feed_values):
        """Runs the plan; returns the values of tensor targets, in order."""
        try:
            if self.lowers_blas:
                with blas_threads.single_threaded():
                    outs = self._fn(feed_values)
            elif self.calls_blas and core_budget.contended():  # BLAS threads sized to the free cores
                with blas_threads.limited(core_budget.free_cores()):
                    outs = self._fn(feed_values)
            else:  # the common path stays a bare call
                outs = self._fn(feed_values)
        except Exception as e:  # map the failing generated line back to its op
            raise self._op_error(e) from e
        for i, copy in enumerate(self.fetch_copies):
            if copy:
                outs[i] = outs[i].copy()
        return outs

    def run_traced(self, feed_values, run_metadata):
        """Runs the plan with every op timed, adding its step stats to ``run_metadata`` (``kf.RunMetadata``)."""
        if self._traced is None:
            self._records = []
            slots = {"k%d" % step: op for step, op in enumerate(self.ops)}
            names = {op: device_name(*self.placements[op]) for op in self.ops}
            namespace = run_metadata_mod.timed_kernels(self._kernels, slots, names, self._records)
            exec(self._code, namespace)
            self._traced = namespace["plan_run"]
        del self._records[:]
        try:
            if self.lowers_blas:
                with blas_threads.single_threaded():
                    outs = self._traced(feed_values)
            else:
                outs = self._traced(feed_values)
        except Exception as e:
            raise self._op_error(e) from e
        finally:
            if run_metadata is not None:
                run_metadata_mod.fill_step_stats(run_metadata, rewrites.unfused_records(self._records))
        for i, copy in enumerate(self.fetch_copies):
            if copy:
                outs[i] = outs[i].copy()
        return outs

    def _op_error(self, exc):
        tb = exc.__traceback__
        frame_locals, lineno = None, None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.startswith(PLAN_FILENAME_PREFIX):
                frame_locals, lineno = tb.tb_frame.f_locals, tb.tb_lineno
            tb = tb.tb_next
        op = self.line_ops.get(lineno)
        if op is None:
            return exc
        if isinstance(exc, errors.OpError):
            if exc.op is None:
                exc.op = op
            return exc
        inputs = []
        for t in op.inputs:
            v = frame_locals.get(self._names.get(t)) if frame_locals else None
            desc = "%s %s" % (getattr(v, "dtype", type(v).__name__), getattr(v, "shape", ""))
            inputs.append("'%s' (%s)" % (t.name, desc.strip()))
        msg = ("%s: %s\n  in op '%s' (%s), created at %s\n  inputs: %s" % (
            type(exc).__name__, exc, op.name, op.type, op.created_at, ", ".join(inputs) or "none"))
        return errors.InvalidArgumentError(None, op, msg)


def needed_ops(targets, feeds):
    """Ops that must run to produce ``targets`` when ``feeds`` are given, in dependency order."""
    fed = set(feeds)
    order, state = [], {}
    stack = []
    for t in targets:
        op = t if not hasattr(t, "value_index") else t.op
        if hasattr(t, "value_index") and t in fed:
            continue
        stack.append((op, False))
    while stack:
        op, expanded = stack.pop()
        if expanded:
            if state.get(op) != 2:
                state[op] = 2
                order.append(op)
            continue
        if state.get(op):
            continue
        state[op] = 1
        stack.append((op, True))
        for c in reversed(op.control_inputs):
            # an op whose outputs are all fed has nothing left to run (a kf.tuple over a loop value)
            if not state.get(c) and not (c.outputs and all(o in fed for o in c.outputs)):
                stack.append((c, False))
        for t in reversed(op.inputs):
            if t not in fed and not state.get(t.op):
                stack.append((t.op, False))
    return order


def _is_target(t, targets):
    return any(x is t for x in targets)


def _aliases_state(t):
    while True:
        declared = t.op.op_def
        if declared.state_output:
            return True
        # view ops (identity, reshape, transpose, slices...) may return the input's own buffer
        if declared.view and t.op.inputs:
            t = t.op.inputs[0]
            continue
        return False


def _tuple_target(names):
    if not names:
        return "_"
    return ", ".join(names) + ","


def _shape_str(shape):
    if shape.dims is None:
        return "<unknown>"
    return "[%s]" % ",".join("?" if d is None else str(d) for d in shape.dims)



def _register_source(source):
    """A unique file name for a plan's generated source, registered with ``linecache`` so tracebacks
    through ``Session.run`` show the generated line (``t7 = k3(t2, t5)``)."""
    filename = "%s%d>" % (PLAN_FILENAME_PREFIX, next(_plan_numbers))
    # mtime None: linecache.checkcache never drops an entry it cannot stat
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return filename
