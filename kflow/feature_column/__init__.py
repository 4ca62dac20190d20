"""``kf.feature_column``: how raw features become model inputs (TF 1.x ``tf.feature_column``).

Example:
    >>> age = kf.feature_column.numeric_column("age")
    >>> city = kf.feature_column.categorical_column_with_hash_bucket("city", hash_bucket_size=100)
    >>> net = kf.feature_column.input_layer(features, [age, kf.feature_column.embedding_column(city, 8)])
"""
from kflow.feature_column.numeric_columns import numeric_column, bucketized_column
from kflow.feature_column.categorical_columns import (categorical_column_with_vocabulary_list,
                                                      categorical_column_with_vocabulary_file,
                                                      categorical_column_with_identity,
                                                      categorical_column_with_hash_bucket,
                                                      weighted_categorical_column)
from kflow.feature_column.crossed_column import crossed_column
from kflow.feature_column.dense_columns import indicator_column, embedding_column, shared_embedding_columns
from kflow.feature_column.feature_layers import input_layer, linear_model, make_parse_example_spec

__all__ = ["numeric_column", "bucketized_column", "categorical_column_with_vocabulary_list",
           "categorical_column_with_vocabulary_file", "categorical_column_with_identity",
           "categorical_column_with_hash_bucket", "weighted_categorical_column", "crossed_column",
           "indicator_column", "embedding_column", "shared_embedding_columns", "input_layer", "linear_model",
           "make_parse_example_spec"]
