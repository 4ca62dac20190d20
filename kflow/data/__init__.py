"""Input pipelines and file formats: Dataset, TFRecord framing, ``tf.train.Example`` encode / parse.

The format modules here (``tfrecord``, ``example_proto``, ``example_parse``,
``feature_spec``, ``raw_decode``) are engine independent: they work on bytes
and numpy arrays, and the graph ops wrap them.
"""
