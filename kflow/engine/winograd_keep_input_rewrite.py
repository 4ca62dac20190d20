"""The plan rewrite that lets a Winograd filter gradient reuse the forward pass's input transform (issue 22).

Where a plan runs a Conv2D and a Conv2DBackpropFilter of the same input ``x`` with the same configuration (a
training step), and both run as Winograd (``winograd.chooses``), the forward pass computes ``V = B^T d B`` of
every input tile for its GEMMs and the filter gradient computes it again for its own. Here the Conv2D becomes
``conv_ops.conv2d_keeping_input``: its output plus a plan value, the batch's ``winograd.TransformedInput`` (a
fresh array per step, written by the forward pass's threads into disjoint image ranges, never scratch that a
later kernel reuses), which the filter gradient reads instead of transforming ``x`` (``filter_grad_reading_kept``).
The plan drops it after the filter gradient, its last reader. Where the forward pass does not run as Winograd,
or the filter gradient would not, the value is None and the gradient runs its usable kernel; where the kept
transform does not match the gradient's (``TransformedInput.serves``: shape, padding, kernel size, transform),
the gradient transforms ``x`` itself.

A Conv2D fused with its bias (and relu) keeps that fusion (``bias_relu_rewrites.bias_relu_of``): this rewrite
goes before ``product_bias_relu`` and names the node ``conv2d_bias_relu_keep_input`` (``conv2d_bias_keep_input``,
``conv2d_keep_input`` without them); the gradient nodes are ``conv2d_filter_grad_kept_input``.

The arithmetic is the same as without the rewrite (the same GEMMs on the same tiles, chunked alike): results are
equal bit for bit. Cost: the kept transform lives from the forward pass to the filter gradient, a*a/m^2 times
the output's pixels times the input channels (``winograd.kept_input_bytes``: deep-MNIST conv2, batch 50, 6.3 MB;
Keras MNIST CNN conv2, batch 128, 20.3 MB), so transforms over ``winograd.MAX_KEPT_BYTES`` (16 MB) are not kept.
Measured on 2 cores (deep-MNIST conv2): the filter gradient 4.4-4.5 -> 3.6 ms, the forward pass 0.15-0.2 ms
slower (its tiles go to fresh memory instead of cached scratch); Keras CNN conv2, were it kept: 16.0 -> 13.3 and
+0.4 ms.

Example:
    >>> h = kf.nn.relu(kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)   # 5x5, 32 -> 64: training plans get
    >>> # "conv2d_bias_relu_keep_input" and "conv2d_filter_grad_kept_input"
"""
import functools

from kflow.engine import rewrites
from kflow.engine.bias_relu_rewrites import bias_relu_of
from kflow.engine.ops import conv_ops, winograd

ASSUMED_BATCH = 1 << 16  # a batch size for the static check when the plan's batch is unknown (chooses' MIN_MACS)


def _may_choose(x, w, conf, dtype):
    """Whether Winograd may run both the forward pass and the filter gradient of this convolution and keep an
    input transform of at most ``winograd.MAX_KEPT_BYTES``, from its static shapes (the batch may be unknown:
    the kernels decide again at run time)."""
    xd, wd = x.shape.dims, w.shape.dims
    if xd is None or wd is None or len(xd) != 4 or len(wd) != 4 or None in xd[1:] or None in wd:
        return False
    x_shape = (ASSUMED_BATCH if xd[0] is None else xd[0],) + tuple(xd[1:])
    forward, _, filter_grad = winograd.chooses(x_shape, tuple(wd), conf, dtype)
    if not (forward and filter_grad):
        return False
    pads = winograd.pads_of(conf, x_shape, tuple(wd))
    return xd[0] is None or winograd.kept_input_bytes(x_shape, tuple(wd), pads, dtype) <= winograd.MAX_KEPT_BYTES


def _match_conv2d(op, view):
    if op.type != "Conv2D" or not view.on_cpu(op) or op.outputs[0] in view.fed:
        return None
    x, w = op.inputs
    conf = op.attrs["conf"]
    if not _may_choose(x, w, conf, x.dtype.as_numpy_dtype):
        return None
    grads = [g for g in view.readers(x, ("Conv2DBackpropFilter",))
             if g.inputs[0] is x and g.attrs["conf"] == conf and view.on_cpu(g)]
    if not grads:
        return None
    kept = rewrites.PlanValue(op, op.name + "/winograd_input")
    fused = bias_relu_of(op, view)
    if fused is None:
        forward = ("conv2d_keep_input", [op], [x, w], [op.outputs[0], kept],
                   lambda kernels: functools.partial(conv_ops.conv2d_keeping_input, conf=conf))
    else:
        name, ops, inputs, outputs, make_kernel = fused
        keeping = functools.partial(conv_ops.conv2d_keeping_input, conf=conf)
        forward = (name + "_keep_input", ops, inputs, outputs + [kept],
                   lambda kernels: make_kernel([keeping] + kernels[1:], keeps=True))
    found = [forward]
    for g in grads:
        found.append(("conv2d_filter_grad_kept_input", [g], [kept] + list(g.inputs), list(g.outputs),
                      lambda kernels, g=g: conv_ops.filter_grad_reading_kept(g)))
    return found


rewrites.register(rewrites.Rewrite("conv2d_keep_input", _match_conv2d), before="product_bias_relu")
