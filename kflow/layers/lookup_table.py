"""The host-side table behind StringLookup, IntegerLookup and TextVectorization: token -> index (or back),
mask and out-of-vocabulary handling, and the Keras encodings (int, one_hot, multi_hot, count, tf_idf).

The layer owns one :class:`LookupTable` and the graph op reads it when it runs, so ``adapt`` or
``set_vocabulary`` after the layer was called still take effect (as Keras's lookup-table resource does).

Example:
    >>> table = LookupTable(mask_token=None, num_oov_indices=1)
    >>> table.set_tokens([b"a", b"b"])
    >>> table.lookup(np.array([b"b", b"z"], object))          # [2, 0]
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.string_hash_ops import hash_bytes, fingerprint64, strong_hash

DROPPED = -2  # an id the count-like encodings leave out: the mask token outside "int" mode


class LookupTable:
    """Token <-> index for one lookup layer.

    Args:
        mask_token: the token that maps to 0 in "int" mode (dropped in the other modes), or None.
        num_oov_indices: how many indices unknown tokens share (hashed among them when more than one).
        invert: map indices back to tokens.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        oov_token: what unknown indices become when inverting.
        oov_hash: for several OOV indices: "floormod" (integer tokens), "farmhash" or "siphash" (with ``salt``).
        salt: the SipHash key (two ints).
    """

    def __init__(self, mask_token=None, num_oov_indices=1, invert=False, output_mode="int", oov_token=None,
                 oov_hash="farmhash", salt=None):
        self.mask_token, self.num_oov_indices, self.invert = mask_token, int(num_oov_indices), invert
        self.output_mode, self.oov_token, self.oov_hash, self.salt = output_mode, oov_token, oov_hash, salt
        self.tokens = []
        self._index = {}
        self.idf_weights = None
        self.depth = None  # the encoding width outside "int" mode (vocabulary size, or max_tokens when padded)

    @property
    def oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    @property
    def token_start(self):
        return self.oov_start + self.num_oov_indices

    def set_tokens(self, tokens, idf_weights=None):
        """The learned tokens (no special tokens), in index order; ``idf_weights`` for "tf_idf" (full width)."""
        self.tokens = list(tokens)
        self._index = {t: i + self.token_start for i, t in enumerate(self.tokens)}
        self.idf_weights = None if idf_weights is None else np.asarray(idf_weights, np.float64)

    def size(self):
        return self.token_start + len(self.tokens)

    def _oov_ids(self, token):
        if self.num_oov_indices == 1:
            return self.oov_start
        if self.oov_hash == "floormod":
            return self.oov_start + int(token) % self.num_oov_indices
        data = hash_bytes(token)
        h = fingerprint64(data) if self.salt is None else strong_hash(self.salt, data)
        return self.oov_start + h % self.num_oov_indices

    def lookup(self, tokens):
        """Indices of ``tokens`` (an array of bytes objects or integers), int64, same shape."""
        flat = np.asarray(tokens).reshape(-1).tolist()
        mask_id = 0 if self.output_mode == "int" else DROPPED
        out = np.empty(len(flat), np.int64)
        index, mask = self._index, self.mask_token
        for i, token in enumerate(flat):
            if isinstance(token, str):  # a str in an object array (numpy input): the table holds bytes
                token = token.encode("utf-8")
            found = index.get(token)
            if found is not None:
                out[i] = found
            elif mask is not None and token == mask:
                out[i] = mask_id
            elif self.num_oov_indices == 0:
                raise ValueError("Lookup: the token %r is not in the vocabulary and num_oov_indices=0 (set "
                                 "num_oov_indices=1 to map unknown tokens to an OOV index)" % (token,))
            else:
                out[i] = self._oov_ids(token)
        return out.reshape(np.shape(tokens))

    def invert_lookup(self, ids, string_tokens):
        """Tokens of indices ``ids``: the mask token at 0 (when set), ``oov_token`` for unknown indices."""
        vocabulary = [self.mask_token] * self.oov_start + [self.oov_token] * self.num_oov_indices + self.tokens
        size = len(vocabulary)
        flat = np.asarray(ids).reshape(-1).tolist()
        out = np.empty(len(flat), object if string_tokens else np.int64)
        out[:] = [vocabulary[i] if 0 <= i < size and vocabulary[i] is not None else self.oov_token for i in flat]
        return out.reshape(np.shape(ids))

    def encode(self, ids, dtype):
        """``ids`` in this table's output mode (see :func:`encode_ids`)."""
        return encode_ids(ids, self.output_mode, self.depth, dtype, self.idf_weights)


def encode_ids(ids, output_mode, depth, dtype, idf_weights=None):
    """Keras's categorical encodings of an int64 id array: "int" as is; "one_hot" adds an axis of ``depth``
    (a trailing axis of size 1 is replaced); "multi_hot"/"count"/"tf_idf" reduce the last axis (one sample's
    ids) to ``depth`` slots. Ids outside ``[0, depth)`` (the dropped mask) are left out.
    """
    ids = np.asarray(ids, np.int64)
    if output_mode == "int":
        return ids.astype(dtype)
    if ids.ndim == 0:
        ids = ids.reshape(1)
    if output_mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids.reshape(ids.shape[:-1])
        out = np.zeros(ids.shape + (depth,), dtype)
        flat_ids, flat_out = ids.reshape(-1), out.reshape(-1, depth)
        keep = (flat_ids >= 0) & (flat_ids < depth)
        flat_out[np.nonzero(keep)[0], flat_ids[keep]] = 1
        return out
    rows = ids.reshape(-1, ids.shape[-1])
    counts = np.zeros((rows.shape[0], depth), np.float64)
    row_of = np.repeat(np.arange(rows.shape[0]), rows.shape[1])
    flat = rows.reshape(-1)
    keep = (flat >= 0) & (flat < depth)
    np.add.at(counts, (row_of[keep], flat[keep]), 1.0)
    if output_mode == "multi_hot":
        counts = np.minimum(counts, 1.0)
    elif output_mode == "tf_idf":
        counts = counts * idf_weights[:depth]
    return counts.reshape(ids.shape[:-1] + (depth,)).astype(dtype)


def _lookup_bind(op, session):
    table, out_dtype = op.attrs["table"], op.attrs["out_dtype"]
    string_tokens = op.attrs["string_tokens"]

    def kernel(x):
        if table.invert:
            return table.invert_lookup(x, string_tokens)
        return table.encode(table.lookup(x), out_dtype)
    return kernel


# the table is the layer's, read at run time: no per-instance constants beyond it
INDEX_LOOKUP = OpDef("IndexLookup", bind=_lookup_bind, grad=None, host_only=True)


def index_lookup(table, x, output_dtype, output_shape, string_tokens, name=None):
    """The graph op that runs ``table`` on ``x`` (lookup or inverse lookup, then the table's encoding)."""
    dtype = dtypes.as_dtype(output_dtype)
    return make_op(INDEX_LOOKUP, [x], [(dtype, output_shape)], name or "IndexLookup",
                   attrs={"table": table, "out_dtype": np.dtype(dtype.as_numpy_dtype),
                          "string_tokens": string_tokens}).outputs[0]
