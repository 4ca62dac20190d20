"""Variable scopes and ``get_variable``: TF1's name-based variable sharing.

Each graph keeps a store of the variables made by ``get_variable`` (keyed by their full
name, e.g. "foo/v") and a current ``VariableScope``. Entering ``variable_scope("foo")``
prefixes variable names with "foo/" and also opens a name scope for ops; the name
scope is uniquified ("foo_1" on a second entry) while variable names are not, so a
second entry shares variables when ``reuse`` allows it.

Example:
    >>> def dense(x):
    ...     w = kf.get_variable("w", [3, 2])
    ...     return kf.matmul(x, w)
    >>> with kf.variable_scope("foo", reuse=kf.AUTO_REUSE):
    ...     y1 = dense(x)
    >>> with kf.variable_scope("foo", reuse=kf.AUTO_REUSE):
    ...     y2 = dense(x)          # shares foo/w
    >>> kf.get_variable_scope().name
    ''
"""
import contextlib
import weakref

from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.graph import GraphKeys
from kflow.layers import variable_store


class _ReuseMode:
    """The type of ``AUTO_REUSE``: create variables when missing, share them when present."""

    def __repr__(self):
        return "kf.AUTO_REUSE"


AUTO_REUSE = _ReuseMode()


class VariableScope:
    """The defaults in effect for ``get_variable``: name prefix, reuse, initializer, regularizer, dtype.

    Obtained from ``with kf.variable_scope(...) as scope`` or ``kf.get_variable_scope()``; passing the object
    back to ``variable_scope`` re-enters it (same variable prefix, a fresh name scope for ops).
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None, caching_device=None, partitioner=None,
                 custom_getter=None, name_scope="", dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name = name
        self._name_scope = name_scope
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._dtype = dtypes.as_dtype(dtype)
        self._use_resource = use_resource
        self._constraint = constraint

    # ---- read-only views ---------------------------------------------------------
    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope, doc="The name scope ('foo/') opened at entry.")
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    regularizer = property(lambda self: self._regularizer)
    dtype = property(lambda self: self._dtype)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)
    use_resource = property(lambda self: self._use_resource)

    # ---- setters (TF1 API) -------------------------------------------------------------
    def reuse_variables(self):
        """From now on, ``get_variable`` in this scope returns existing variables (and fails on missing ones)."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_dtype(self, dtype):
        self._dtype = dtypes.as_dtype(dtype)

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    # ---- variables ------------------------------------------------------------------
    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None, regularizer=None, reuse=None,
                     trainable=None, collections=None, caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None, **unused):
        """``get_variable`` with this scope's defaults filled in (see :func:`get_variable`)."""
        if partitioner is None:
            partitioner = self._partitioner
        if partitioner is not None:
            raise NotImplementedError("kflow does not partition variables (variable '%s'); pass partitioner=None."
                                      % name)
        full_name = self._name + "/" + name if self._name else name
        if custom_getter is None:
            custom_getter = self._custom_getter
        elif self._custom_getter is not None:
            custom_getter = _compose_getters(custom_getter, self._custom_getter)
        kwargs = dict(shape=shape, dtype=dtype if dtype is not None else self._dtype,
                      initializer=initializer if initializer is not None else self._initializer,
                      regularizer=regularizer if regularizer is not None else self._regularizer,
                      reuse=self._reuse if reuse is None else reuse,
                      trainable=True if trainable is None else trainable, collections=collections,
                      validate_shape=validate_shape,
                      constraint=constraint if constraint is not None else self._constraint)
        # Variable names depend only on the variable scope, so the name scope is reset while creating them.
        g = graph_mod.get_default_graph()
        with g.name_scope(""):
            if custom_getter is not None:
                return custom_getter(var_store.get_variable, full_name, caching_device=caching_device,
                                     partitioner=None, use_resource=use_resource, **kwargs)
            return var_store.get_variable(full_name, **kwargs)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_collection(self, name):
        """Items of collection ``name`` whose name starts with this scope's prefix."""
        prefix = self._name + "/" if self._name else ""
        return [v for v in graph_mod.get_collection(name) if getattr(v, "name", "").startswith(prefix)]

    def __repr__(self):
        return "<kflow.VariableScope '%s' reuse=%s>" % (self._name, self._reuse)


def _compose_getters(inner, outer):
    """The custom getter of a nested scope wraps the outer scope's getter, as in TF."""
    def composed(getter, *args, **kwargs):
        return inner(lambda *a, **k: outer(getter, *a, **k), *args, **kwargs)

    return composed


# ---- per-graph state -------------------------------------------------------------------
class _ScopeState:
    """One graph's variable store, current scope and the entry counts used to uniquify default names."""

    def __init__(self):
        self.store = variable_store.VariableStore()
        self.current = VariableScope(False)
        self.counts = {}

    def open(self, scope_name):
        self.counts[scope_name] = self.counts.get(scope_name, 0) + 1

    def close_subscopes(self, scope_name):
        # Leaving "a" resets the counts of "a/..." so a later scope "a_1" numbers its children from scratch.
        prefix = scope_name + "/" if scope_name else ""
        for k in self.counts:
            if k.startswith(prefix):
                self.counts[k] = 0

    def unique_name(self, prefix):
        base = self.current.name + "/" + prefix if self.current.name else prefix
        if self.counts.get(base, 0) == 0:
            return prefix
        i = 1
        while self.counts.get("%s_%d" % (base, i), 0) > 0:
            i += 1
        return "%s_%d" % (prefix, i)


_STATES = weakref.WeakKeyDictionary()


def _state(graph=None):
    graph = graph if graph is not None else graph_mod.get_default_graph()
    st = _STATES.get(graph)
    if st is None:
        st = _STATES[graph] = _ScopeState()
    return st


def get_variable_scope():
    """The current ``VariableScope`` of the default graph (the root scope has name '')."""
    return _state().current


def _get_default_variable_store():
    return _state().store


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                 collections=None, caching_device=None, partitioner=None, validate_shape=True, use_resource=None,
                 custom_getter=None, constraint=None, synchronization=None, aggregation=None):
    """Returns the variable "<scope>/<name>", creating it or reusing it as the current scope's ``reuse`` says.

    Args:
        name: the variable's name inside the current variable scope.
        shape: its shape (must be fully defined unless ``initializer`` is a value or tensor).
        dtype: default the scope's dtype (float32).
        initializer: an initializer (``kf.zeros_initializer()`` ...), a value or a Tensor; default the scope's
            initializer, else glorot_uniform for floats and zeros for integers and bools.
        regularizer: ``f(variable) -> loss tensor``; the loss goes to ``GraphKeys.REGULARIZATION_LOSSES``.
        trainable: also add the variable to ``TRAINABLE_VARIABLES`` (default True).
        collections: collections to add it to (default ``[GLOBAL_VARIABLES]``).

    Raises:
        ValueError: creating an existing variable without reuse (naming both creation sites), reusing a missing
            one, or reusing with another shape or dtype.

    Example:
        >>> with kf.variable_scope("foo"):
        ...     v = kf.get_variable("v", [1], initializer=kf.zeros_initializer())
        >>> v.name
        'foo/v:0'
    """
    return get_variable_scope().get_variable(
        _get_default_variable_store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections, caching_device=caching_device,
        partitioner=partitioner, validate_shape=validate_shape, use_resource=use_resource,
        custom_getter=custom_getter, constraint=constraint)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=False,
                       collections=None, **kwargs):
    """``get_variable`` for a non-trainable variable in ``LOCAL_VARIABLES`` (e.g. metric accumulators)."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                        trainable=False, collections=collections, **kwargs)


class variable_scope:  # noqa: N801 - TF's public name
    """Context manager for variable names and ``get_variable`` defaults: ``with kf.variable_scope("foo"):``.

    Args:
        name_or_scope: a name (nested under the current scope) or a ``VariableScope`` to re-enter.
        default_name: used, uniquified ("dense", "dense_1"), when ``name_or_scope`` is None.
        values: tensors whose graph is entered.
        initializer, regularizer, dtype, custom_getter, constraint: defaults for ``get_variable`` inside.
        reuse: None (inherit), True (only existing variables) or ``kf.AUTO_REUSE``. Once True it stays True
            in nested scopes.
        auxiliary_name_scope: when False, no new name scope is opened for ops.

    Example:
        >>> with kf.variable_scope("foo") as scope:
        ...     with kf.name_scope("bar"):
        ...         v = kf.get_variable("v", [1])
        ...         x = 1.0 + v
        >>> v.name, x.op.name
        ('foo/v:0', 'foo/bar/add')
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                 use_resource=None, constraint=None, auxiliary_name_scope=True):
        if name_or_scope is None and default_name is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if name_or_scope is not None and not isinstance(name_or_scope, (VariableScope, str)):
            raise TypeError("VariableScope: name_or_scope must be a string or VariableScope, got %r"
                            % (name_or_scope,))
        if reuse is False:  # TF1: False means "inherit", it cannot switch reuse off
            reuse = None
        if name_or_scope is None and reuse:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._values = values
        self._overrides = dict(initializer=initializer, regularizer=regularizer, caching_device=caching_device,
                               partitioner=partitioner, custom_getter=custom_getter, dtype=dtype,
                               use_resource=use_resource, constraint=constraint)
        self._reuse = reuse
        self._auxiliary_name_scope = auxiliary_name_scope
        self._exits = None

    def __enter__(self):
        if self._exits is not None:
            raise RuntimeError("variable_scope %r entered twice at the same time" % (self._name_or_scope,))
        self._exits = contextlib.ExitStack()
        try:
            return self._enter()
        except BaseException:
            self._exits.close()
            self._exits = None
            raise

    def _enter(self):
        g = graph_mod._graph_of(self._values) if self._values else graph_mod.get_default_graph()
        self._exits.enter_context(g.as_default())
        st = _state(g)
        scope = self._name_or_scope
        if scope is None:  # default_name: the name scope and the variable scope are uniquified separately
            ns = self._exits.enter_context(_name_scope(g, self._default_name, self._auxiliary_name_scope))
            return self._enter_pure(st, st.unique_name(self._default_name), ns)
        ns_name = scope if isinstance(scope, str) else scope.name.split("/")[-1]
        if ns_name or not self._auxiliary_name_scope:
            ns = self._exits.enter_context(_name_scope(g, ns_name, self._auxiliary_name_scope))
        else:
            ns = g.get_name_scope() + "/" if g.get_name_scope() else ""
        return self._enter_pure(st, scope, ns if isinstance(scope, str) else scope.original_name_scope)

    def _enter_pure(self, st, name_or_scope, name_scope):
        old = st.current
        if isinstance(name_or_scope, VariableScope):
            src = name_or_scope
            new = VariableScope(self._reuse if self._reuse else src.reuse, name=src.name,
                                initializer=src.initializer, regularizer=src.regularizer,
                                caching_device=src.caching_device, partitioner=src.partitioner,
                                custom_getter=src.custom_getter, name_scope=name_scope, dtype=src.dtype,
                                use_resource=src.use_resource, constraint=src.constraint)
            st.open(new.name)
            saved_counts = dict(st.counts)

            def restore():
                st.counts = saved_counts
        else:
            name = old.name + "/" + name_or_scope if old.name else name_or_scope
            new = VariableScope(self._reuse or old.reuse, name=name, initializer=old.initializer,
                                regularizer=old.regularizer, caching_device=old.caching_device,
                                partitioner=old.partitioner, custom_getter=old.custom_getter, name_scope=name_scope,
                                dtype=old.dtype, use_resource=old.use_resource, constraint=old.constraint)
            st.open(name)

            def restore():
                st.close_subscopes(name)
        o = self._overrides
        for key in ("initializer", "regularizer", "caching_device", "partitioner", "dtype", "use_resource",
                    "constraint"):
            if o[key] is not None:
                setattr(new, "_" + key, dtypes.as_dtype(o[key]) if key == "dtype" else o[key])
        if o["custom_getter"] is not None:
            new._custom_getter = o["custom_getter"] if new.custom_getter is None else \
                _compose_getters(o["custom_getter"], new.custom_getter)
        st.current = new

        def leave():
            restore()
            st.current = old

        self._exits.callback(leave)
        return new

    def __exit__(self, *exc):
        exits, self._exits = self._exits, None
        exits.__exit__(*exc)
        return False


@contextlib.contextmanager
def _name_scope(g, name, auxiliary):
    """Opens name scope ``name`` (uniquified), or re-enters the current one when ``auxiliary`` is False."""
    if not auxiliary:
        cur = g.get_name_scope()
        name = cur + "/" if cur else ""
    with g.name_scope(name) as ns:
        yield ns


def variable_op_scope(values, name_or_scope, default_name=None, **kwargs):
    """Deprecated TF1 spelling of ``variable_scope(name_or_scope, default_name, values)``."""
    return variable_scope(name_or_scope, default_name=default_name, values=values, **kwargs)


def no_regularizer(_):
    """A regularizer that adds nothing; use it to switch off a scope's default regularizer."""
    return None

