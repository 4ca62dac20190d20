"""``kf.train.init_from_checkpoint``: initialize variables from a checkpoint instead of their initializers.

As in TF 1.x, ``assignment_map`` maps checkpoint names (or scopes ending in ``/``) to variables of the
current graph (names, scopes ending in ``/``, or Variable objects); ``"/"`` on the checkpoint side stands
for its root. Each mapped variable's initializer is replaced by an assignment of the checkpoint value, so
a later ``kf.global_variables_initializer()`` loads it. The checkpoint may be kflow's or TensorFlow's.

Example:
    >>> with kf.variable_scope("encoder"):
    ...     w = kf.get_variable("w", [784, 128])
    >>> kf.train.init_from_checkpoint("tf_run", {"old_encoder/": "encoder/"})
    >>> sess.run(kf.global_variables_initializer())    # w holds the checkpoint's old_encoder/w
"""
from kflow.engine import graph as graph_mod
from kflow.engine.ops.constant_op import constant
from kflow.engine.variables import ASSIGN, Variable, _assign_op, global_variables
from kflow.train.checkpoint_file import variable_key
from kflow.train.checkpoint_reader import load_checkpoint


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Overrides the initializers of the mapped variables with values from the checkpoint.

    Args:
      ckpt_dir_or_file: a checkpoint prefix or a directory (its latest checkpoint).
      assignment_map: dict ``{checkpoint name or scope: variable, variable name or scope}``.

    Raises:
      ValueError: a checkpoint name or scope is missing, a variable name matches nothing, or shapes
        or dtypes disagree (the message names the variable and the checkpoint tensor).
    """
    reader = load_checkpoint(ckpt_dir_or_file)
    shapes = reader.get_variable_to_shape_map()
    by_name = {variable_key(v.name): v for v in global_variables()}
    for ckpt_name, target in assignment_map.items():
        if isinstance(target, Variable):
            _initialize(target, ckpt_name, reader, shapes)
            continue
        target = str(target)
        if not ckpt_name.endswith("/") and ckpt_name != "/":  # one tensor -> one variable
            if target not in by_name:
                raise ValueError("init_from_checkpoint: no variable named %r in the graph (for checkpoint "
                                 "tensor %r)" % (target, ckpt_name))
            _initialize(by_name[target], ckpt_name, reader, shapes)
            continue
        source_scope = "" if ckpt_name == "/" else ckpt_name
        target_scope = "" if target == "/" else target.rstrip("/") + "/" if target else ""
        matched = [name for name in by_name if name.startswith(target_scope)]
        if not matched:
            raise ValueError("init_from_checkpoint: no variable in scope %r of the graph" % target_scope)
        for name in matched:
            source = source_scope + name[len(target_scope):]
            if source in shapes:  # as in TF, variables the checkpoint lacks keep their initializers
                _initialize(by_name[name], source, reader, shapes)
        if not any(source_scope + n[len(target_scope):] in shapes for n in matched):
            raise ValueError("init_from_checkpoint: checkpoint %s has no tensor under %r matching the "
                             "variables of scope %r" % (reader.path, source_scope, target_scope))


def _initialize(var, ckpt_name, reader, shapes):
    if ckpt_name not in shapes:
        raise ValueError("init_from_checkpoint: tensor %r not found in checkpoint %s" % (ckpt_name, reader.path))
    value = reader.get_tensor(ckpt_name)
    if not var.shape.is_compatible_with(value.shape):
        raise ValueError("init_from_checkpoint: variable %s has shape %s but checkpoint tensor %r has %s"
                         % (var.name, var.shape, ckpt_name, list(value.shape)))
    if reader.get_variable_to_dtype_map()[ckpt_name] is not var.dtype:
        raise ValueError("init_from_checkpoint: variable %s is %s but checkpoint tensor %r is %s" % (
            var.name, var.dtype.name, ckpt_name, reader.get_variable_to_dtype_map()[ckpt_name].name))
    # The new initializer must not wait on control dependencies around the call, as in Variable().
    with var.graph.as_default(), graph_mod.get_default_graph().control_dependencies(None):
        with graph_mod.get_default_graph().name_scope(var.op.name + "/"):
            init = constant(value, dtype=var.dtype, name="checkpoint_value")
            var._initial_value = init
            var._initializer_op = _assign_op(var, init, ASSIGN, "checkpoint_init", True).op
