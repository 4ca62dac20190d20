"""TextVectorization, as Keras 3: strings -> standardized -> split into tokens -> n-grams -> vocabulary
indices (a StringLookup with mask "" and OOV "[UNK]"), output as index sequences ("int", padded with 0 to the
longest text or cut/padded to ``output_sequence_length``) or per-text vectors ("multi_hot", "count",
"tf_idf"). The vocabulary is given or learned by ``adapt`` from arrays or Datasets of texts.

Standardizing matches TF's ops byte for byte: ASCII lowercasing (``tf.strings.lower``) and removal of
Keras's punctuation class; "whitespace" splitting drops empty tokens as ``tf.strings.split`` does.

Example:
    >>> layer = TextVectorization(max_tokens=10, output_sequence_length=4)
    >>> layer.adapt(["The cat sat.", "the dog"])
    >>> layer(kf.constant(["the cat ran"]))                 # [[2, 3, 1, 0]]
"""
import re

import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers.base import Layer
from kflow.layers.index_lookup import StringLookup, batches_of
from kflow.layers.lookup_table import DROPPED

# Keras's class (``,-\.`` is the range from "," to "."): TF's regex_replace removes these bytes
_PUNCTUATION = re.compile(rb'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")


def standardize_text(text, standardize):
    """One text (bytes) standardized as Keras's TextVectorization does."""
    if standardize in ("lower", "lower_and_strip_punctuation"):
        text = text.lower()  # ASCII only, as tf.strings.lower without an encoding
    if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = _PUNCTUATION.sub(b"", text)
    return text


def split_text(text, split):
    if split == "whitespace":
        return text.split()
    if split == "character":
        return [c.encode("utf-8") for c in text.decode("utf-8")]
    return [text]


def ngrams_of(tokens, widths):
    """All n-grams of each width, width by width (as ``tf.strings.ngrams`` with several widths)."""
    if widths is None:
        return tokens
    out = []
    for width in widths:
        out.extend(b" ".join(tokens[i:i + width]) for i in range(len(tokens) - width + 1))
    return out


class TextVectorization(Layer):
    """Texts to index sequences or vectors (see the module docstring).

    Args:
        max_tokens: the vocabulary's size cap, the mask and OOV indices included.
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation", None, or a
            callable from a string tensor to a string tensor (run in the graph before the rest).
        split: "whitespace" (default), "character" or None (the input's last axis already holds tokens).
        ngrams: None, an int n (widths 1..n) or a tuple of widths.
        output_mode: "int", "multi_hot", "count" or "tf_idf".
        output_sequence_length: "int" mode only: cut or pad each sequence to this length.
        pad_to_max_tokens, vocabulary, idf_weights, encoding: as StringLookup.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(**kwargs)
        if not (standardize in _STANDARDIZE or callable(standardize)):
            raise ValueError("TextVectorization: standardize must be one of %s or a callable, got %r"
                             % (_STANDARDIZE, standardize))
        if split not in _SPLIT:
            raise ValueError("TextVectorization: split must be one of %s (callables are not supported by kflow), "
                             "got %r" % (_SPLIT, split))
        if not (ngrams is None or isinstance(ngrams, int) or
                isinstance(ngrams, (tuple, list)) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError("TextVectorization: ngrams must be None, an int or a tuple of ints, got %r" % (ngrams,))
        if output_mode not in ("int", "multi_hot", "count", "tf_idf", "tf-idf"):
            raise ValueError("TextVectorization: output_mode must be int, multi_hot, count or tf_idf, got %r"
                             % (output_mode,))
        if output_sequence_length is not None and (output_mode != "int" or int(output_sequence_length) < 1):
            raise ValueError("TextVectorization: output_sequence_length is a positive int, for output_mode='int' "
                             "only (got %r with %r)" % (output_sequence_length, output_mode))
        if ragged or sparse:
            raise NotImplementedError("TextVectorization: ragged=True and sparse=True are not supported by kflow "
                                      "(int outputs are padded with 0)")
        self._standardize, self._split = standardize, split
        self._ngrams_arg = tuple(ngrams) if isinstance(ngrams, list) else ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else self._ngrams_arg
        self._output_mode = "tf_idf" if output_mode == "tf-idf" else output_mode
        self._output_sequence_length = None if output_sequence_length is None else int(output_sequence_length)
        self._encoding = encoding
        self._lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                          pad_to_max_tokens=pad_to_max_tokens, mask_token="",
                                          output_mode=self._output_mode, encoding=encoding,
                                          vocabulary_size=vocabulary_size)

    # ---- text processing (host) ----------------------------------------------------------------
    def _tokens(self, text):
        text = standardize_text(text, None if callable(self._standardize) else self._standardize)
        return ngrams_of(split_text(text, self._split), self._ngrams)

    def _documents(self, strings):
        """Token lists, one per text (``split``) or per row of tokens (``split=None``)."""
        strings = np.asarray(strings, dtype=object)
        if self._split is None:
            rows = strings.reshape(-1, strings.shape[-1] if strings.ndim else 1)
            std = None if callable(self._standardize) else self._standardize
            return [ngrams_of([standardize_text(_as_bytes(t, self._encoding), std) for t in row], self._ngrams)
                    for row in rows]
        if strings.ndim > 1 and strings.shape[-1] != 1:
            raise ValueError("TextVectorization %r: to split texts the input must have rank 1 or a last dimension "
                             "of 1, got shape %s" % (self.name, strings.shape))
        return [self._tokens(_as_bytes(t, self._encoding)) for t in strings.reshape(-1)]

    def _vectorize(self, strings):
        docs = self._documents(strings)
        table = self._lookup_layer._table
        lead = np.shape(strings)[:-1] if (self._split is None or np.ndim(strings) > 1) else np.shape(strings)
        if self._output_mode == "int":
            width = self._output_sequence_length or max([len(d) for d in docs] + [0])
            out = np.zeros((len(docs), width), np.int64)
            for i, doc in enumerate(docs):
                ids = table.lookup(np.array(doc[:width], dtype=object)) if doc else []
                out[i, :len(ids)] = ids
            return out.reshape(tuple(lead) + (width,))
        width = max([len(d) for d in docs] + [1])
        ids = np.full((len(docs), width), DROPPED, np.int64)
        for i, doc in enumerate(docs):
            if doc:
                ids[i, :len(doc)] = table.lookup(np.array(doc, dtype=object))
        return table.encode(ids, np.float32).reshape(tuple(lead) + (table.depth,))

    # ---- Keras API ------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and, for "tf_idf", the IDF weights) from texts: an array or list of
        strings, or a Dataset of batches of them.

        Example:
            >>> layer.adapt(kf.data.Dataset.from_tensor_slices(texts).batch(32))
        """
        docs = []
        for batch in batches_of(data, steps):
            if callable(self._standardize):
                raise NotImplementedError("TextVectorization.adapt with a callable standardize: kflow runs the "
                                          "callable in the graph only; adapt on standardized texts instead")
            batch = np.asarray(batch, dtype=object)
            docs.extend(self._documents(batch.reshape(-1) if self._split is not None else batch))
        self._lookup_layer._adapt_documents(docs)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if x.dtype is not dtypes.string:
            raise TypeError("TextVectorization %r: expected string input, got %s %s" % (self.name, x.dtype.name, x))
        if callable(self._standardize):
            x = self._standardize(x)
        self._lookup_layer._check_vocabulary()
        out_dtype = dtypes.int64 if self._output_mode == "int" else dtypes.float32
        return make_op(TEXT_VECTORIZE, [x], [(out_dtype, self.compute_output_shape(x.shape))], "TextVectorization",
                       attrs={"layer": self}).outputs[0]

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        if dims is None:
            return shapes.unknown_shape()
        lead = list(dims[:-1]) if (self._split is None or len(dims) > 1) else list(dims)
        if self._output_mode == "int":
            return shapes.TensorShape(lead + [self._output_sequence_length])
        return shapes.TensorShape(lead + [self._lookup_layer._table.depth])

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def get_config(self):
        if callable(self._standardize):
            raise ValueError("TextVectorization %r: a callable standardize cannot be saved in a config"
                             % self.name)
        lookup = self._lookup_layer
        return dict(super().get_config(), max_tokens=lookup.max_tokens, standardize=self._standardize,
                    split=self._split, ngrams=self._ngrams_arg, output_mode=self._output_mode,
                    output_sequence_length=self._output_sequence_length,
                    pad_to_max_tokens=lookup.pad_to_max_tokens, sparse=False, ragged=False,
                    vocabulary=lookup._config_vocabulary(), idf_weights=lookup._config_idf(),
                    encoding=self._encoding, vocabulary_size=self.vocabulary_size())

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


def _as_bytes(text, encoding):
    return text.encode(encoding) if isinstance(text, str) else bytes(text)


def _vectorize_bind(op, session):
    return op.attrs["layer"]._vectorize


# the layer (its vocabulary table and text options) is read at run time, so adapt after a call takes effect
TEXT_VECTORIZE = OpDef("TextVectorize", bind=_vectorize_bind, grad=None, host_only=True)
