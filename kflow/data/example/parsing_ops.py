"""Graph ops over serialized ``tf.train.Example`` records: ``parse_single_example``, ``parse_example``, ``decode_raw``.

Each is one op whose kernel calls the numpy-level parsers of
:mod:`kflow.data.example.parse` (the batched one matches same-layout
records against a template and cuts all values out with numpy). The feature
spec is compiled once, when the op is built. ``FixedLenFeature`` outputs
dense tensors, ``VarLenFeature`` a :class:`kflow.SparseTensor`.

Example:
    >>> features = {"image_raw": kf.FixedLenFeature([], kf.string), "label": kf.FixedLenFeature([], kf.int64)}
    >>> parsed = kf.parse_single_example(record, features)
    >>> image = kf.decode_raw(parsed["image_raw"], kf.uint8)     # shape (?,)
"""
import numpy as np

from kflow.data.example import parse as example_parse, raw_decode
from kflow.engine import dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.sparse.sparse_tensor import SparseTensor


def _compile(op_type, name, serialized, features):
    if not features:
        raise build_error(op_type, name, [serialized], "%s: `features` must be a non-empty dict of feature specs"
                          % op_type)
    try:
        return example_parse.compile_features(features)
    except (TypeError, ValueError) as e:
        raise build_error(op_type, name, [serialized], "%s: invalid feature spec: %s" % (op_type, e)) from None


def _dtype(field):
    return dtypes.string if field.dtype == object else dtypes.as_dtype(field.dtype)


def _output_specs(fields, batch_dims):
    """Per field: [(dtype, shape)] of its outputs (3 for a sparse field)."""
    specs = []
    for f in fields:
        dt = _dtype(f)
        if f.type == example_parse.FIXED:
            specs.append([(dt, batch_dims + list(f.shape))])
        elif f.type == example_parse.VAR:
            rank = len(batch_dims) + 1
            specs.append([(dtypes.int64, [None, rank]), (dt, [None]), (dtypes.int64, [rank])])
        else:
            specs.append([(dt, batch_dims + [None] + list(f.shape))])
    return specs


def _flat_outputs(parsed, fields):
    """The op's outputs: each field's value, or the indices, values and dense shape of a sparse field."""
    out = []
    for f in fields:
        v = parsed[f.name]
        out.extend((v.indices, v.values, v.dense_shape) if f.type == example_parse.VAR else (v,))
    return out[0] if len(out) == 1 else tuple(out)


def _parse_single_kernel(x, fields):
    return _flat_outputs(example_parse.parse_single_example(x, fields), fields)


def _parse_batch_kernel(x, fields):
    return _flat_outputs(example_parse.parse_example_batch(x, fields), fields)


PARSE_SINGLE_EXAMPLE = OpDef("ParseSingleExample", _parse_single_kernel, grad=None, host_only=True)
PARSE_EXAMPLE = OpDef("ParseExample", _parse_batch_kernel, grad=None, host_only=True)


def _parse_op(op_def, serialized, fields, batch_dims, name):
    """One op computing every field; returns ``{feature name: Tensor | SparseTensor}``."""
    per_field = _output_specs(fields, batch_dims)
    flat_specs = [s for specs in per_field for s in specs]
    sparse = [f.type == example_parse.VAR for f in fields]
    op = make_op(op_def, [serialized], flat_specs, name or op_def.type,
                 attrs={"features": {f.name: f.describe() for f in fields}}, params={"fields": fields})
    outs, result = iter(op.outputs), {}
    for f, sp in zip(fields, sparse):
        if sp:
            st = SparseTensor(next(outs), next(outs), next(outs))
            st.set_shape(batch_dims + [None])
            result[f.name] = st
        else:
            result[f.name] = next(outs)
    return result


def parse_single_example(serialized, features, name=None, example_names=None):
    """Parses one serialized Example (a scalar string tensor) into a dict of tensors.

    Args:
        serialized: scalar ``string`` tensor (or bytes).
        features: ``{name: FixedLenFeature | VarLenFeature | FixedLenSequenceFeature}``.

    Returns:
        ``{name: Tensor}`` (``FixedLenFeature``: the spec's shape; ``FixedLenSequenceFeature``:
        ``[steps] + shape``) and ``SparseTensor`` for ``VarLenFeature``.

    Raises:
        InvalidArgumentError: (when run) malformed record, missing required feature, wrong type or count.
    """
    serialized = convert_to_tensor(serialized, dtype=dtypes.string)
    if not serialized.shape.is_compatible_with([]):
        raise build_error("ParseSingleExample", name, [serialized],
                          "parse_single_example: `serialized` must be a scalar, got shape %s (use parse_example "
                          "for a batch)" % serialized.shape)
    fields = _compile("ParseSingleExample", name, serialized, features)
    return _parse_op(PARSE_SINGLE_EXAMPLE, serialized, fields, [], name)


def parse_example(serialized, features, name=None, example_names=None):
    """Parses a batch (a vector string tensor) of serialized Examples into a dict of batched tensors.

    ``FixedLenFeature`` gives ``[batch] + shape``, ``VarLenFeature`` a SparseTensor of dense shape
    ``[batch, max_count]``, ``FixedLenSequenceFeature`` ``[batch, max_steps] + shape`` (padded).
    """
    serialized = convert_to_tensor(serialized, dtype=dtypes.string)
    if not serialized.shape.is_compatible_with([None]):
        raise build_error("ParseExample", name, [serialized], "parse_example: `serialized` must be a vector, got "
                          "shape %s" % serialized.shape)
    fields = _compile("ParseExample", name, serialized, features)
    batch = serialized.shape.dims[0] if serialized.shape.dims is not None else None
    return _parse_op(PARSE_EXAMPLE, serialized, fields, [batch], name)


def _decode_raw_kernel(x, out_type, little_endian):
    return raw_decode.decode_raw(x, np.dtype(out_type.as_numpy_dtype), little_endian)


DECODE_RAW = OpDef("DecodeRaw", _decode_raw_kernel, grad=None, host_only=True)


def decode_raw(input_bytes=None, out_type=None, little_endian=True, fixed_length=None, name=None,
               bytes=None):  # noqa: A002 - TF's argument name
    """Reinterprets the bytes of each string as a vector of ``out_type`` (shape ``input.shape + [n]``)."""
    data = input_bytes if input_bytes is not None else bytes
    if data is None or out_type is None:
        raise TypeError("decode_raw needs `input_bytes` and `out_type`")
    data = convert_to_tensor(data, dtype=dtypes.string)
    out = dtypes.as_dtype(out_type)
    if out is dtypes.string or out is dtypes.bool:
        raise build_error("DecodeRaw", name, [data], "decode_raw: out_type must be numeric, got %s" % out.name,
                          TypeError)
    shape = data.shape.concatenate([None]) if data.shape.dims is not None else shapes.TensorShape(None)
    return make_op(DECODE_RAW, [data], [(out, shape)], name or "DecodeRaw",
                   params={"out_type": out, "little_endian": little_endian}).outputs[0]
