"""Summary ops: graph ops whose kernels return a serialized ``Summary`` (a ``kf.string`` scalar).

``scalar``, ``histogram``, ``image``, ``text`` and ``tensor_summary`` add their
output to ``GraphKeys.SUMMARIES``; ``merge`` concatenates serialized
Summaries (protobuf concatenation appends the repeated ``value`` field), and
``merge_all`` merges a collection. Tags follow TF1: the op's (uniquified)
name-scope name, optionally prefixed by ``family``.

Example:
    >>> kf.summary.scalar("loss", loss)
    >>> kf.summary.histogram("weights", w)
    >>> merged = kf.summary.merge_all()
    >>> writer.add_summary(sess.run(merged), global_step=step)
"""
import contextlib
import re
import warnings

import numpy as np

from kflow import errors
from kflow.engine import devices, dtypes, graph as graph_mod
from kflow.engine.graph import GraphKeys
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.image.color import convert_image_dtype
from kflow.summary.event_proto import Summary, SummaryMetadata
from kflow.summary.histogram import histogram_proto
from kflow.summary.png import encode_png
from kflow.summary.tensor_proto import make_tensor_proto

_INVALID_TAG_CHARS = re.compile(r"[^-/\w\.]")
_BAD_COLOR = np.array([255, 0, 0, 255], np.uint8)  # TF's default for non-finite pixels (red)


def _clean_tag(name):
    """TF's ``clean_tag``: characters outside ``[-/\\w.]`` become "_" and leading "/" go (with a warning)."""
    if name is None:
        return None
    new = _INVALID_TAG_CHARS.sub("_", name).lstrip("/")
    if new != name:
        warnings.warn("Summary name %s is illegal; using %s instead." % (name, new), stacklevel=4)
    return new


@contextlib.contextmanager
def summary_scope(name, family=None, values=None):
    """Opens the summary's name scope; yields ``(tag, scope)`` as TF1's ``summary_op_util.summary_scope``."""
    name, family = _clean_tag(name), _clean_tag(family)
    base = name if family is None else "%s/%s" % (family, name)
    g = graph_mod._graph_of(values) if values else graph_mod.get_default_graph()
    with g.as_default(), g.name_scope(base) as scope:
        tag = scope.rstrip("/")
        yield (tag if family is None else "%s/%s" % (family, tag)), scope


def _as_bytes_array(data):
    # String tensors are object arrays; a 0-d one fetches as plain bytes.
    out = np.empty((), dtype=object)
    out[()] = data
    return out


def _summary_op(op_def, tensor, scope, collections, **params):
    op = make_op(op_def, [tensor], [(dtypes.string, [])], scope, params=params)
    out = op.outputs[0]
    op.graph.add_to_collections(collections if collections is not None else [GraphKeys.SUMMARIES], out)
    return out


def _to_host(x):
    return np.asarray(devices.to_numpy(x))


def _scalar_kernel(x, tag):
    x = _to_host(x)
    if x.ndim != 0:
        raise errors.InvalidArgumentError(None, None, "scalar summary '%s' got a value of shape %s, expected a scalar"
                                          % (tag, x.shape))
    return _as_bytes_array(Summary(value=[Summary.Value(tag=tag, simple_value=float(x))]).SerializeToString())


SCALAR_SUMMARY = OpDef("ScalarSummary", _scalar_kernel, grad=None, host_only=True)


def scalar(name, tensor, collections=None, family=None):
    """A summary of one real number (``simple_value``), shown in TensorBoard's scalars tab.

    Raises:
        ValueError: ``tensor`` is not a scalar or not real-valued.
    """
    tensor = convert_to_tensor(tensor)
    with summary_scope(name, family, [tensor]) as (tag, scope):
        if not (tensor.dtype.is_floating or tensor.dtype.is_integer):
            raise build_error("ScalarSummary", scope[:-1], [tensor], "scalar summary '%s' needs a real number "
                              "tensor, got dtype %s" % (tag, tensor.dtype.name))
        if tensor.shape.ndims not in (None, 0):
            raise build_error("ScalarSummary", scope[:-1], [tensor], "scalar summary '%s' needs a scalar "
                              "(shape []), got shape %s; reduce it first (e.g. kf.reduce_mean)" % (tag, tensor.shape))
        return _summary_op(SCALAR_SUMMARY, tensor, scope, collections, tag=tag)


def _histogram_kernel(x, tag):
    try:
        histo = histogram_proto(_to_host(x))
    except ValueError as e:
        raise errors.InvalidArgumentError(None, None, "%s, for histogram summary '%s'" % (e, tag)) from None
    return _as_bytes_array(Summary(value=[Summary.Value(tag=tag, histo=histo)]).SerializeToString())


HISTOGRAM_SUMMARY = OpDef("HistogramSummary", _histogram_kernel, grad=None, host_only=True)


def histogram(name, values, collections=None, family=None):
    """A histogram of ``values`` (any shape) with TF's bucketing, for the histograms/distributions tabs.

    Running it raises InvalidArgumentError when ``values`` holds NaN or Inf, as TF does.
    """
    values = convert_to_tensor(values)
    with summary_scope(name, family, [values]) as (tag, scope):
        if not (values.dtype.is_floating or values.dtype.is_integer or values.dtype.is_bool):
            raise build_error("HistogramSummary", scope[:-1], [values], "histogram summary '%s' needs numbers, "
                              "got dtype %s" % (tag, values.dtype.name))
        return _summary_op(HISTOGRAM_SUMMARY, values, scope, collections, tag=tag)


def _image_kernel(batch, tag, max_outputs):
    batch = _to_host(batch)
    if batch.ndim != 4 or batch.shape[3] not in (1, 3, 4):
        raise errors.InvalidArgumentError(None, None, "image summary '%s' got shape %s, expected [batch, height, "
                                          "width, 1|3|4]" % (tag, batch.shape))
    summary = Summary()
    for i in range(min(batch.shape[0], max_outputs)):
        pixels = batch[i] if batch.dtype == np.uint8 else _normalize_float_image(batch[i])
        h, w, c = pixels.shape
        summary.value.add(tag="%s/image" % tag if max_outputs == 1 else "%s/image/%d" % (tag, i),
                          image=Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=encode_png(pixels)))
    return _as_bytes_array(summary.SerializeToString())


IMAGE_SUMMARY = OpDef("ImageSummary", _image_kernel, grad=None, host_only=True)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """PNG image summaries of the first ``max_outputs`` images of a ``[batch, height, width, channels]`` tensor.

    Channels must be 1 (grey), 3 (RGB) or 4 (RGBA). uint8 images are used as is, other integer images are
    rescaled to uint8 by ``kf.image.convert_image_dtype`` (saturating, as TF's summary); float images are
    scaled per image as TF does: all values >= 0 are scaled so the largest is 255, otherwise 0 maps to
    128 and the largest magnitude to 127 away from it; non-finite pixels are drawn red. Tags are
    ``name/image`` when ``max_outputs == 1``, else ``name/image/0``, ``name/image/1``, ...
    """
    tensor = convert_to_tensor(tensor)
    with summary_scope(name, family, [tensor]) as (tag, scope):
        dims = tensor.shape.dims
        if dims is not None and (len(dims) != 4 or dims[3] not in (None, 1, 3, 4)):
            raise build_error("ImageSummary", scope[:-1], [tensor], "image summary '%s' needs a [batch, height, "
                              "width, channels] tensor with 1, 3 or 4 channels, got shape %s" % (tag, tensor.shape))
        if tensor.dtype.is_integer and tensor.dtype is not dtypes.uint8:
            # other integer images are rescaled to uint8 as TF's summary does (convert_image_dtype, saturating)
            tensor = convert_image_dtype(tensor, dtypes.uint8, saturate=True)
        if not (tensor.dtype is dtypes.uint8 or tensor.dtype.is_floating):
            raise build_error("ImageSummary", scope[:-1], [tensor], "image summary '%s' needs numeric "
                              "images, got dtype %s" % (tag, tensor.dtype.name))
        if max_outputs < 1:
            raise ValueError("image summary '%s': max_outputs must be >= 1, got %d" % (tag, max_outputs))
        return _summary_op(IMAGE_SUMMARY, tensor, scope, collections, tag=tag, max_outputs=max_outputs)


def _normalize_float_image(img):
    """TF's ``NormalizeFloatImage``: one affine map of the finite pixels into uint8."""
    work = img.astype(np.float64 if img.dtype == np.float64 else np.float32)
    finite = np.isfinite(work).all(axis=-1)
    good = work[finite]
    lo, hi = (float(good.min()), float(good.max())) if good.size else (np.inf, -np.inf)
    if lo < 0:
        biggest = max(abs(lo), abs(hi))
        scale, offset = (0.0 if biggest < 1e-6 else 127.0 / biggest), 128.0
    else:
        scale, offset = (0.0 if hi < 1e-6 else 255.0 / hi), 0.0
    out = np.empty(img.shape, np.uint8)
    with np.errstate(invalid="ignore"):
        out[finite] = (good * work.dtype.type(scale) + work.dtype.type(offset)).astype(np.uint8)
    out[~finite] = _BAD_COLOR[:img.shape[-1]]
    return out


def _tensor_summary_kernel(x, tag, metadata, T):  # noqa: N803 - TF's attr name
    value = Summary.Value(tag=tag, metadata=metadata, tensor=make_tensor_proto(_to_host(x), T))
    return _as_bytes_array(Summary(value=[value]).SerializeToString())


TENSOR_SUMMARY = OpDef("TensorSummaryV2", _tensor_summary_kernel, grad=None, host_only=True)


def tensor_summary(name, tensor, summary_description=None, collections=None, summary_metadata=None, family=None,
                   display_name=None):
    """A summary holding ``tensor``'s whole value as a ``TensorProto`` (TF1 ``tf.summary.tensor_summary``)."""
    tensor = convert_to_tensor(tensor)
    if summary_metadata is None:
        summary_metadata = SummaryMetadata()
    if summary_description is not None:
        summary_metadata.summary_description = summary_description
    if display_name is not None:
        summary_metadata.display_name = display_name
    with summary_scope(name, family, [tensor]) as (tag, scope):
        metadata = SummaryMetadata.FromString(summary_metadata.SerializeToString())  # a private copy
        return _summary_op(TENSOR_SUMMARY, tensor, scope, collections, tag=tag, metadata=metadata, T=tensor.dtype)


def text(name, tensor, collections=None):
    """A text summary (TensorBoard's text tab; Markdown is rendered) of a ``kf.string`` tensor of any shape.

    Raises:
        ValueError: ``tensor`` is not a string tensor.
    """
    tensor = convert_to_tensor(tensor)
    if tensor.dtype is not dtypes.string:
        raise build_error("TensorSummaryV2", name, [tensor], "text summary '%s' needs a kf.string tensor, got "
                          "dtype %s" % (name, tensor.dtype.name))
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    return tensor_summary(name, tensor, collections=collections, summary_metadata=metadata)


def _summary_bytes(x):
    return x[()] if isinstance(x, np.ndarray) else x


def _merge_kernel(*parts):
    parts = [_summary_bytes(p) for p in parts]
    seen = set()
    for part in parts:
        for value in Summary.FromString(part).value:
            if value.tag in seen:
                raise errors.InvalidArgumentError(None, None, "Duplicate tag %s found in summary inputs" % value.tag)
            seen.add(value.tag)
    return _as_bytes_array(b"".join(parts))


MERGE_SUMMARY = OpDef("MergeSummary", _merge_kernel, grad=None, host_only=True)


def merge(inputs, collections=None, name=None):
    """Merges serialized Summary tensors into one; running it raises InvalidArgumentError on duplicate tags."""
    inputs = [convert_to_tensor(t) for t in inputs]
    for t in inputs:
        if t.dtype is not dtypes.string:
            raise build_error("MergeSummary", name, inputs, "merge expects summary (kf.string) tensors, got %s "
                              "of dtype %s" % (t.name, t.dtype.name), TypeError)
    g = graph_mod._graph_of(inputs) if inputs else graph_mod.get_default_graph()
    with g.as_default(), g.name_scope(name or "Merge"):
        out = make_op(MERGE_SUMMARY, inputs, [(dtypes.string, [])], "MergeSummary").outputs[0]
    if collections:
        g.add_to_collections(collections, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """Merges every summary of collection ``key`` (default SUMMARIES); None when there is none."""
    summaries = graph_mod.get_collection(key, scope=scope)
    if not summaries:
        return None
    return merge(summaries, name=name)
