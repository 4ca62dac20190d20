"""``input_layer`` (dense columns concatenated: a DNN's input), ``linear_model`` (a weighted sum of all columns)
and ``make_parse_example_spec`` (the parse spec of a set of columns).

Columns are taken in the order of their names and each gets its own variable scope named after it, so the
variables are named as TF names them: ``input_layer/<column>_embedding/embedding_weights``,
``linear_model/<column>/weights`` and ``linear_model/bias_weights``.

Example:
    >>> columns = [kf.feature_column.numeric_column(k) for k in ["SepalLength", "SepalWidth"]]
    >>> net = kf.feature_column.input_layer(features, columns)          # [batch, 2]
    >>> logits = kf.feature_column.linear_model(features, columns, units=3)
"""
from kflow.engine import dtypes
from kflow.engine.graph import add_to_collection
from kflow.engine.variables import global_variables
from kflow.engine.ops import reshape_ops
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.embedding_ops import embedding_lookup
from kflow.engine.ops.math_ops import add_n, matmul, maximum
from kflow.initializers import Zeros
from kflow.layers.variable_scope import get_variable, variable_scope
from kflow.feature_column.column_base import CategoricalColumn, DenseColumn, FeatureCache, FeatureColumn
from kflow.feature_column.dense_columns import combine, COMBINERS


def _sorted_columns(feature_columns, kind, who, hint=""):
    if isinstance(feature_columns, FeatureColumn):
        feature_columns = [feature_columns]
    columns = list(feature_columns or ())
    if not columns:
        raise ValueError("%s: feature_columns must not be empty." % who)
    for c in columns:
        if not isinstance(c, kind):
            raise ValueError("%s: items of feature_columns must be %s; got %r.%s" % (who, kind.__name__, c, hint))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ValueError("%s: duplicate feature column names %s" % (who, sorted({n for n in names
                                                                                if names.count(n) > 1})))
    return sorted(columns, key=lambda c: c.name)


def _collect(variables, weight_collections):
    for name in weight_collections or ():
        for v in variables:
            add_to_collection(name, v)


def input_layer(features, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                cols_to_output_tensors=None):
    """The dense columns' outputs concatenated: float32 ``[batch, sum of dimensions]``
    (``tf.feature_column.input_layer``).

    Args:
        features: dict of feature key -> Tensor or SparseTensor.
        feature_columns: DenseColumns (numeric, bucketized, indicator, embedding).
        cols_to_vars: if a dict, filled with column -> list of its variables.
        cols_to_output_tensors: if a dict, filled with column -> its output tensor.
    """
    columns = _sorted_columns(feature_columns, DenseColumn, "input_layer",
                              " Wrap a categorical column in an embedding_column or indicator_column.")
    cache = FeatureCache(features)
    outputs = []
    with variable_scope(None, default_name="input_layer", values=list(features.values())):
        for column in columns:
            before = set(global_variables())
            with variable_scope(None, default_name=column.var_scope_name):
                tensor = reshape_ops.reshape(column.dense_tensor(cache, trainable), [-1, column.dimension])
            variables = [v for v in global_variables() if v not in before]
            _collect(variables, weight_collections)
            if cols_to_vars is not None:
                cols_to_vars[column] = variables
            if cols_to_output_tensors is not None:
                cols_to_output_tensors[column] = tensor
            outputs.append(tensor)
        return concat(outputs, 1)


def linear_model(features, feature_columns, units=1, sparse_combiner="sum", weight_collections=None, trainable=True,
                 cols_to_vars=None):
    """``sum over columns of column_output @ weights + bias``: float32 ``[batch, units]``
    (``tf.feature_column.linear_model``).

    A dense column's term is ``dense [batch, d] @ weights [d, units]``; a categorical column's is the
    ``sparse_combiner`` ("sum", "mean", "sqrtn") of the weight rows of its ids. Weights start at zero.

    Args:
        cols_to_vars: if a dict, filled with column -> [weights] and "bias" -> [bias_weights].
    """
    if sparse_combiner not in COMBINERS:
        raise ValueError("linear_model: sparse_combiner must be one of %s, got %r" % (COMBINERS, sparse_combiner))
    columns = _sorted_columns(feature_columns, (DenseColumn, CategoricalColumn), "linear_model")
    cache = FeatureCache(features)
    terms = []
    with variable_scope(None, default_name="linear_model", values=list(features.values())):
        for column in columns:
            with variable_scope(None, default_name=column.var_scope_name):
                if isinstance(column, CategoricalColumn):
                    weights = get_variable("weights", [column.num_buckets, units], dtype=dtypes.float32,
                                           initializer=Zeros(), trainable=trainable)
                    ids, id_weights = column.id_batch(cache)
                    rows = embedding_lookup(weights, maximum(ids, 0))
                    terms.append(combine(rows, id_weights, sparse_combiner))
                else:
                    weights = get_variable("weights", [column.dimension, units], dtype=dtypes.float32,
                                           initializer=Zeros(), trainable=trainable)
                    dense = reshape_ops.reshape(column.dense_tensor(cache, trainable), [-1, column.dimension])
                    terms.append(matmul(dense, weights))
            _collect([weights], weight_collections)
            if cols_to_vars is not None:
                cols_to_vars[column] = [weights]
        bias = get_variable("bias_weights", [units], dtype=dtypes.float32, initializer=Zeros(), trainable=trainable)
        _collect([bias], weight_collections)
        if cols_to_vars is not None:
            cols_to_vars["bias"] = [bias]
        return add_n(terms) + bias if len(terms) > 1 else terms[0] + bias


def make_parse_example_spec(feature_columns):
    """The ``{key: FixedLenFeature / VarLenFeature}`` dict that ``kf.parse_example`` needs for the columns.

    Raises:
        ValueError: two columns read one key with different specs.
    """
    spec = {}
    for column in feature_columns:
        if not isinstance(column, FeatureColumn):
            raise ValueError("make_parse_example_spec: expected feature columns, got %r" % (column,))
        for key, value in column.parse_example_spec.items():
            if key in spec and spec[key] != value:
                raise ValueError("make_parse_example_spec: feature %r has two specs: %r and %r"
                                 % (key, spec[key], value))
            spec[key] = value
    return spec
