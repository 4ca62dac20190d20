"""``kf.IndexedSlices``: a gradient that touches only some rows of a variable (the rows an embedding lookup or a
gather read), as TF returns for them.

kflow's gradient engine computes dense gradients; the gradient of a gather along axis 0 is one op ("GatherGrad")
that scatters the looked-up rows' gradients into zeros. :func:`gradient_slices` recognises such a gradient (or a
sum of them) and gives the rows and their values, so optimizers can update only those rows, as TF's sparse
updates do (Momentum, RMSProp and Adagrad leave other rows and their slots alone). Anything else that uses an
IndexedSlices gets the dense gradient (``convert_to_tensor``), as TF converts them.

Example:
    >>> emb = kf.Variable(np.zeros([1000, 16], np.float32))
    >>> loss = kf.reduce_sum(kf.nn.embedding_lookup(emb, ids))
    >>> (g, _), = kf.train.MomentumOptimizer(0.1, 0.9).compute_gradients(loss, [emb])
    >>> isinstance(g, kf.IndexedSlices)     # g.indices: the looked-up ids; g.values: their rows' gradients
    True
"""
from kflow.engine import dtypes, shapes
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.reshape_ops import reshape
from kflow.engine.ops.segment_ops import unsorted_segment_sum
from kflow.engine.tensor import Tensor


class IndexedSlices:
    """Rows ``values[i]`` of a tensor of shape ``dense_shape`` at row ``indices[i]`` (repeated rows add up).

    Args:
        values: ``[n] + dense_shape[1:]``.
        indices: ``[n]`` int32/int64 row numbers.
        dense_shape: the shape of the dense tensor (a list; required to convert it).
        dense: the dense tensor these slices stand for, when it already exists (a gradient's op output).
    """

    def __init__(self, values, indices, dense_shape=None, dense=None):
        self.values = convert_to_tensor(values)
        self.indices = convert_to_tensor(indices)
        self.dense_shape = dense_shape
        self._dense = dense

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def graph(self):
        return self.values.graph

    @property
    def name(self):
        return self.values.name

    @property
    def op(self):
        return self.values.op

    @property
    def device(self):
        return self.values.device

    @property
    def shape(self):
        """The dense tensor's static shape."""
        return shapes.TensorShape(self.dense_shape)

    def get_shape(self):
        return self.shape

    def _as_tensor(self):
        """The dense tensor (built once: a segment sum of the rows into zeros)."""
        if self._dense is None:
            if self.dense_shape is None:
                raise ValueError("IndexedSlices '%s' has no dense_shape: it cannot be converted to a tensor"
                                 % self.values.name)
            shape = [int(d) for d in self.dense_shape]
            self._dense = reshape(unsorted_segment_sum(self.values, self.indices, shape[0]), shape)
        return self._dense

    def __repr__(self):
        return "IndexedSlices(indices=%s, values=%s, dense_shape=%s)" % (self.indices, self.values,
                                                                         self.dense_shape)


def gradient_slices(grad, var_shape):
    """``grad`` as IndexedSlices when it is a gather-along-axis-0 gradient (or a sum of them) of a variable of
    static shape ``var_shape`` (a list), else None."""
    if not isinstance(grad, Tensor) or var_shape is None or None in var_shape:
        return None
    parts = grad.op.inputs if grad.op.type == "AddN" else [grad]
    if not all(p.op.type == "GatherGrad" and p.op.attrs.get("axis") == 0 for p in parts):
        return None
    rows = [int(d) for d in var_shape[1:]]
    values = [reshape(p.op.inputs[0], [-1] + rows) for p in parts]
    indices = [reshape(p.op.inputs[1], [-1]) for p in parts]
    if len(parts) > 1:
        if len({i.dtype for i in indices}) > 1:
            indices = [cast(i, dtypes.int64) for i in indices]
        values, indices = [concat(values, 0)], [concat(indices, 0)]
    return IndexedSlices(values[0], indices[0], list(var_shape), dense=grad)
