"""Vocabulary lookup layers, as Keras 3: StringLookup and IntegerLookup (tokens -> indices, or back with
``invert``), with a given ``vocabulary`` or one learned by ``adapt`` (most frequent first, ties by the token,
highest first), mask and OOV indices, and the encodings int / one_hot / multi_hot / count / tf_idf.

Index layout ("int" mode): ``[mask_token?] [OOV x num_oov_indices] [tokens...]``; in the other modes the
mask has no slot (masked tokens are left out). Several OOV indices share unknown tokens by FarmHash
(strings; SipHash with ``salt``) or ``token % num_oov_indices`` (integers), as Keras.

Example:
    >>> layer = StringLookup(vocabulary=["a", "b", "c"])
    >>> layer(kf.constant([["a", "c"], ["d", "b"]]))        # [[1, 3], [0, 2]]
    >>> layer.get_vocabulary()                               # ["[UNK]", "a", "b", "c"]
"""
import collections

import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers.base import Layer
from kflow.layers.floatx import floatx
from kflow.layers.lookup_table import LookupTable, index_lookup

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def batches_of(data, steps=None):
    """``data`` for ``adapt`` as a list of numpy batches: an array/list/tensor value is one batch; a Dataset
    or other iterable gives its batches (the first ``steps`` of them)."""
    if isinstance(data, (np.ndarray, list, tuple, str, bytes)) or not hasattr(data, "__iter__"):
        return [np.asarray(data, dtype=object) if _is_text(data) else np.asarray(data)]
    out = []
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        out.append(np.asarray(batch))
    return out


def _is_text(data):
    first = np.asarray(data, dtype=object).reshape(-1)[:1]
    return len(first) > 0 and isinstance(first[0], (str, bytes, np.str_, np.bytes_))


class IndexLookup(Layer):
    """The shared machinery of StringLookup and IntegerLookup (see the module docstring).

    Subclasses give ``_to_key`` (a vocabulary entry or input value as the table key) and ``_from_key``
    (a key as ``get_vocabulary`` shows it).
    """

    _string_keys = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 oov_method="farmhash", salt=None, vocabulary_size=None, **kwargs):
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(**kwargs)
        kind = type(self).__name__
        output_mode = "tf_idf" if output_mode == "tf-idf" else output_mode
        if output_mode not in _MODES:
            raise ValueError("%s: output_mode must be one of %s, got %r" % (kind, _MODES, output_mode))
        if int(num_oov_indices) < 0:
            raise ValueError("%s: num_oov_indices must be >= 0, got %r" % (kind, num_oov_indices))
        if max_tokens is not None and int(max_tokens) <= 1:
            raise ValueError("%s: max_tokens must be None or > 1, got %r" % (kind, max_tokens))
        if invert and output_mode != "int":
            raise ValueError("%s: invert=True needs output_mode='int', got %r" % (kind, output_mode))
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("%s: pad_to_max_tokens=True needs max_tokens" % kind)
        if sparse:
            raise NotImplementedError("%s: sparse=True is not supported by kflow" % kind)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("%s: idf_weights is only for output_mode='tf_idf', got output_mode=%r"
                             % (kind, output_mode))
        if salt is not None:
            salt = [int(salt), int(salt)] if isinstance(salt, (int, np.integer)) else [int(s) for s in salt]
            if len(salt) != 2:
                raise ValueError("%s: salt must be an int or two ints, got %r" % (kind, salt))
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = bool(invert), output_mode
        self.pad_to_max_tokens, self.sparse = bool(pad_to_max_tokens), False
        self.oov_method, self.salt = oov_method, salt
        self.input_vocabulary = None if vocabulary is None else \
            vocabulary if isinstance(vocabulary, str) else list(_plain_list(vocabulary))
        self.input_idf_weights = None if idf_weights is None else [float(w) for w in np.ravel(idf_weights)]
        hashing = "floormod" if not self._string_keys and oov_method == "floormod" else "farmhash"
        self._table = LookupTable(
            mask_token=None if mask_token is None else self._to_key(mask_token),
            num_oov_indices=self.num_oov_indices, invert=self.invert, output_mode=output_mode,
            oov_token=None if oov_token is None else self._to_key(oov_token), oov_hash=hashing, salt=salt)
        self._frozen_vocab_size = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif output_mode == "tf_idf" and idf_weights is not None:
            raise ValueError("%s: idf_weights needs a vocabulary" % kind)

    # ---- vocabulary ---------------------------------------------------------------------------
    def _special_tokens(self):
        return [self.mask_token] * self._table.oov_start + [self.oov_token] * self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the tokens (and, for "tf_idf", their IDF weights). Special tokens may lead the list, in the
        order ``get_vocabulary()`` returns them, or be left out.

        Example:
            >>> layer.set_vocabulary(["a", "b"])
        """
        kind = type(self).__name__
        if isinstance(vocabulary, str) and not self._string_keys:
            raise ValueError("%s: vocabulary must be a list of integers" % kind)
        if isinstance(vocabulary, str):
            with open(vocabulary, "r", encoding="utf-8") as f:
                vocabulary = [line.rstrip("\n") for line in f if line.rstrip("\n")]
        tokens = list(_plain_list(vocabulary))
        if not tokens:
            raise ValueError("%s: cannot set an empty vocabulary" % kind)
        special = self._special_tokens()
        found_special = len(tokens) >= len(special) and [self._from_key(self._to_key(t)) for t in
                                                         tokens[:len(special)]] == special
        if found_special:
            tokens = tokens[len(special):]
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError("%s: the vocabulary repeats %r; give each token once" % (kind, repeated[:10]))
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError("%s: the mask token %r may appear only at the start of the vocabulary, in the order "
                             "%r" % (kind, self.mask_token, special))
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError("%s: the OOV token %r is in the vocabulary; with invert=True it may appear only at "
                             "the start, in the order %r" % (kind, self.oov_token, special))
        if self.max_tokens is not None and len(tokens) + self._table.token_start > self.max_tokens:
            raise ValueError("%s: the vocabulary (%d tokens + %d special) exceeds max_tokens=%d"
                             % (kind, len(tokens), self._table.token_start, self.max_tokens))
        weights = None
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("%s: output_mode='tf_idf' needs idf_weights with the vocabulary" % kind)
            weights = np.asarray(idf_weights, np.float64).reshape(-1)
            if len(weights) != len(tokens) + (len(special) if found_special else 0):
                raise ValueError("%s: %d idf_weights for a vocabulary of %d tokens" % (kind, len(weights),
                                                                                     len(tokens)))
            if not found_special:
                weights = np.concatenate([np.full(self._table.token_start, weights.mean()), weights])
        elif idf_weights is not None:
            raise ValueError("%s: idf_weights is only for output_mode='tf_idf'" % kind)
        self._install([self._to_key(t) for t in tokens], weights)

    def _install(self, keys, weights):
        self._table.set_tokens(keys, weights)
        size = self._table.size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is not None \
                and self._frozen_vocab_size != size:
            raise RuntimeError("%s: with output_mode=%r and pad_to_max_tokens=False the vocabulary size cannot "
                               "change after the layer was called (was %d, now %d)"
                               % (type(self).__name__, self.output_mode, self._frozen_vocab_size, size))
        depth = self.max_tokens if self.pad_to_max_tokens else size
        if weights is not None and len(weights) < depth:
            weights = np.concatenate([weights, np.zeros(depth - len(weights))])
        self._table.idf_weights = weights
        self._table.depth = depth

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (with the mask and OOV tokens first unless told not to)."""
        vocabulary = self._special_tokens() + [self._from_key(k) for k in self._table.tokens]
        return vocabulary if include_special_tokens else vocabulary[self._table.token_start:]

    def vocabulary_size(self):
        """The number of indices: tokens plus the mask and OOV indices."""
        return self._table.size()

    # ---- adapt --------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from ``data`` (an array, list, or Dataset of batches): tokens by count,
        ties by the token (highest first), capped at ``max_tokens``; "tf_idf" also learns the weights.

        Example:
            >>> layer = StringLookup()
            >>> layer.adapt([["a", "b"], ["a", "c"]])          # vocabulary ["[UNK]", "a", "c", "b"]
        """
        docs = []
        for batch in batches_of(data, steps):
            batch = np.asarray(batch, dtype=object) if self._string_keys else np.asarray(batch)
            rows = batch.reshape(1, -1) if batch.ndim <= 1 else batch.reshape(batch.shape[0], -1)
            docs.extend([self._to_key(v) for v in row] for row in rows)
        self._adapt_documents(docs)

    def _adapt_documents(self, docs):
        """Learns the vocabulary from token lists (one per document), given as table keys."""
        if self.input_vocabulary is not None:
            raise ValueError("%s %r: cannot adapt a layer whose vocabulary was given" % (type(self).__name__,
                                                                                       self.name))
        counts, doc_counts = collections.Counter(), collections.Counter()
        for doc in docs:
            counts.update(doc)
            doc_counts.update(set(doc))
        for special in (self._table.mask_token, self._table.oov_token):
            counts.pop(special, None)
        ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:max(self.max_tokens - self._table.token_start, 0)]
        keys = [k for k, _ in ranked]
        weights = None
        if self.output_mode == "tf_idf":
            idf = np.log(1.0 + len(docs) / (1.0 + np.array([doc_counts[k] for k in keys], np.float64)))
            weights = np.concatenate([np.full(self._table.token_start, idf.mean() if len(idf) else 0.0), idf])
        self._install(keys, weights)

    # ---- calling ------------------------------------------------------------------------------
    def _output_dtype(self):
        if self.invert:
            return dtypes.string if self._string_keys else dtypes.int64
        if self.output_mode == "int":
            return dtypes.int64
        return dtypes.as_dtype(self.dtype if self.dtype and dtypes.as_dtype(self.dtype).is_floating
                               else floatx())

    def _check_vocabulary(self):
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._table.depth is None:
            raise RuntimeError("%s: with output_mode=%r and pad_to_max_tokens=False, set the vocabulary (the "
                               "vocabulary argument or adapt) before calling the layer"
                               % (type(self).__name__, self.output_mode))
        if self._table.depth is None:
            self._table.depth = self.max_tokens
        self._frozen_vocab_size = self._table.size() if self._table.tokens else self._frozen_vocab_size

    def call(self, inputs):
        self._check_vocabulary()
        x = self._input_tensor(inputs)
        return index_lookup(self._table, x, self._output_dtype(), self.compute_output_shape(x.shape),
                            string_tokens=self._string_keys and self.invert, name=type(self).__name__)

    def _input_tensor(self, inputs):
        x = convert_to_tensor(inputs)
        want_string = self._string_keys and not self.invert
        if want_string != (x.dtype is dtypes.string) or not (want_string or x.dtype.is_integer):
            raise TypeError("%s %r: expected %s input, got %s %s" % (
                type(self).__name__, self.name, "string" if want_string else "integer", x.dtype.name, x))
        return x

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        if dims is None or self.output_mode == "int":
            return shapes.as_shape(input_shape)
        depth = self._table.depth
        if self.output_mode == "one_hot":
            dims = dims[:-1] if len(dims) > 1 and dims[-1] == 1 else dims
            return shapes.TensorShape(list(dims) + [depth])
        return shapes.TensorShape(list(dims[:-1]) + [depth])

    def get_config(self):
        return dict(super().get_config(), invert=self.invert, max_tokens=self.max_tokens,
                    num_oov_indices=self.num_oov_indices, oov_token=self.oov_token, mask_token=self.mask_token,
                    output_mode=self.output_mode, sparse=False, pad_to_max_tokens=self.pad_to_max_tokens,
                    vocabulary=self._config_vocabulary(), idf_weights=self._config_idf(),
                    vocabulary_size=self.vocabulary_size(), salt=self.salt)

    def _config_vocabulary(self):
        # an adapted vocabulary travels in the config too (kflow has no asset files): the layer rebuilt from
        # it maps the same tokens to the same indices
        if isinstance(self.input_vocabulary, str):
            return self.input_vocabulary
        if self.input_vocabulary is not None:
            return list(self.input_vocabulary)
        return self.get_vocabulary(include_special_tokens=False) if self._table.tokens else None

    def _config_idf(self):
        if self.output_mode != "tf_idf" or self._table.idf_weights is None:
            return None
        # the tokens' weights only: the OOV slots' weight (their mean) is derived again when the layer is rebuilt
        return [float(w) for w in self._table.idf_weights[self._table.token_start:self._table.size()]]


def _plain_list(values):
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values, dtype=object).reshape(-1).tolist()


class StringLookup(IndexLookup):
    """Strings to indices (Keras 3's ``StringLookup``); see the module docstring.

    Example:
        >>> StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")(kf.constant([["a", "z"]]))
        ... # [[1, 1, 0]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
                         oov_method="farmhash", **kwargs)

    def _to_key(self, token):
        return token.encode(self.encoding) if isinstance(token, str) else bytes(token)

    def _from_key(self, key):
        return key.decode(self.encoding) if isinstance(key, bytes) else key

    def get_config(self):
        return dict(super().get_config(), encoding=self.encoding)


class IntegerLookup(IndexLookup):
    """Integers to indices (Keras 3's ``IntegerLookup``); unknown integers share the OOV indices by
    ``token % num_oov_indices`` (``oov_method="floormod"``) or FarmHash of their decimal text ("farmhash").

    Example:
        >>> IntegerLookup(vocabulary=[12, 36])(kf.constant([12, 7], kf.int64))       # [1, 0]
    """

    _string_keys = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, **kwargs):
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError("IntegerLookup: oov_method must be 'floormod' or 'farmhash', got %r" % (oov_method,))
        if salt is not None and oov_method != "farmhash":
            raise ValueError("IntegerLookup: salt needs oov_method='farmhash'")
        if vocabulary_dtype not in ("int64", "int32"):
            raise ValueError("IntegerLookup: vocabulary_dtype must be int64 or int32, got %r" % (vocabulary_dtype,))
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
                         oov_method=oov_method, salt=salt, **kwargs)

    def _to_key(self, token):
        return int(token)

    def _from_key(self, key):
        return key

    def get_config(self):
        return dict(super().get_config(), oov_method=self.oov_method, vocabulary_dtype=self.vocabulary_dtype)
