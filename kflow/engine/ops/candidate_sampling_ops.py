"""Candidate samplers for sampled losses (nce_loss, sampled_softmax_loss) and accidental-hit detection.

A sampler draws ``num_sampled`` class ids from ``[0, range_max)`` and reports the expected number of times
each true and each sampled class would be drawn (``Q`` in the sampled-loss papers), as TF1's samplers:

* uniform: ``P(k) = 1 / range_max``;
* log-uniform (Zipfian): ``P(k) = log((k + 2) / (k + 1)) / log(range_max + 1)``, for ids sorted by frequency
  (word2vec's vocabularies).

With ``unique=True`` draws repeat until ``num_sampled`` distinct ids are seen, and an id's expected count is
the probability that it appears in those ``n`` tries, ``1 - (1 - P(k)) ** n``; otherwise ``num_sampled * P(k)``.
Each session keeps its own generator per op, seeded by TF1's rule (see random_ops).

Example:
    >>> sampled, true_q, sampled_q = log_uniform_candidate_sampler(labels, 1, 64, True, vocabulary_size)
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.random_ops import op_seeds


def _log_uniform_probability(k, range_max):
    k = np.asarray(k, np.float64)
    return (np.log(k + 2.0) - np.log(k + 1.0)) / np.log(range_max + 1.0)


def _uniform_probability(k, range_max):
    return np.full(np.shape(k), 1.0 / range_max)


def _draw_log_uniform(rng, n, range_max):
    ids = np.floor(np.exp(rng.random(n) * np.log(range_max + 1.0))).astype(np.int64) - 1
    return np.clip(ids, 0, range_max - 1)


def _draw_uniform(rng, n, range_max):
    return rng.integers(0, range_max, n, dtype=np.int64)


_DISTRIBUTIONS = {"LogUniformCandidateSampler": (_draw_log_uniform, _log_uniform_probability),
                  "UniformCandidateSampler": (_draw_uniform, _uniform_probability)}


def _sample(rng, true_classes, op_type, num_sampled, unique, range_max):
    draw, probability = _DISTRIBUTIONS[op_type]
    if unique:
        seen, tries = {}, 0
        while len(seen) < num_sampled:  # in draw order, as TF's sampler returns them
            batch = draw(rng, max(2 * (num_sampled - len(seen)), 16), range_max)
            for i, k in enumerate(batch):
                seen.setdefault(int(k), None)
                if len(seen) == num_sampled:
                    tries += i + 1
                    break
            else:
                tries += len(batch)
        sampled = np.fromiter(seen, np.int64, num_sampled)

        def expected(k):
            return -np.expm1(tries * np.log1p(-probability(k, range_max)))
    else:
        sampled = draw(rng, num_sampled, range_max)

        def expected(k):
            return probability(k, range_max) * num_sampled
    true = np.asarray(true_classes, np.int64)
    return sampled, expected(true).astype(np.float32), expected(sampled).astype(np.float32)


def _sampler_bind(op, session):
    rng = session.resources.get(op)
    if rng is None:
        seeds = op.attrs["seeds"]
        rng = session.resources.setdefault(op, np.random.default_rng(list(seeds) if seeds else None))
    params = {k: op.attrs[k] for k in ("num_sampled", "unique", "range_max")}

    def kernel(true_classes):
        return _sample(rng, true_classes, op.type, **params)
    return kernel


LOG_UNIFORM_CANDIDATE_SAMPLER = OpDef("LogUniformCandidateSampler", bind=_sampler_bind, grad=None, host_only=True)
UNIFORM_CANDIDATE_SAMPLER = OpDef("UniformCandidateSampler", bind=_sampler_bind, grad=None, host_only=True)


def _sampler(op_def, true_classes, num_true, num_sampled, unique, range_max, seed, name):
    t = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
    op_type = op_def.type
    if t.shape.ndims not in (None, 2) or (t.shape.ndims == 2 and t.shape.dims[1] not in (None, num_true)):
        raise build_error(op_type, name, [t], "%s: true_classes must be [batch_size, num_true=%d], got shape %s"
                          % (op_type, num_true, t.shape))
    if range_max <= 0 or num_sampled <= 0:
        raise build_error(op_type, name, [t], "%s: num_sampled and range_max must be positive, got %d and %d"
                          % (op_type, num_sampled, range_max))
    if unique and num_sampled > range_max:
        raise build_error(op_type, name, [t], "%s: cannot draw %d unique classes out of range_max=%d"
                          % (op_type, num_sampled, range_max))
    batch = t.shape.dims[0] if t.shape.ndims == 2 else None
    op = make_op(op_def, [t], [(dtypes.int64, [num_sampled]), (dtypes.float32, [batch, num_true]),
                               (dtypes.float32, [num_sampled])], name or op_type,
                 attrs={"num_true": int(num_true), "num_sampled": int(num_sampled), "unique": bool(unique),
                        "range_max": int(range_max)})
    op.attrs["seeds"] = op_seeds(op.graph, seed, op)
    return tuple(op.outputs)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """Samples classes from the log-uniform (Zipfian) distribution over ``[0, range_max)``.

    Returns:
        ``(sampled_candidates [num_sampled] int64, true_expected_count [batch, num_true] float32,
        sampled_expected_count [num_sampled] float32)``.

    Example:
        >>> kf.nn.log_uniform_candidate_sampler(labels, 1, 64, True, 50000)
    """
    return _sampler(LOG_UNIFORM_CANDIDATE_SAMPLER, true_classes, num_true, num_sampled, unique, range_max, seed,
                    name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """Samples classes uniformly from ``[0, range_max)``; returns as :func:`log_uniform_candidate_sampler`."""
    return _sampler(UNIFORM_CANDIDATE_SAMPLER, true_classes, num_true, num_sampled, unique, range_max, seed, name)


def _accidental_hits_kernel(true_classes, sampled, num_true):
    rows, cols = np.nonzero((np.asarray(true_classes)[:, :, None] == np.asarray(sampled)[None, None, :]).any(1))
    return rows.astype(np.int32), np.asarray(sampled, np.int64)[cols], np.full(len(rows), -np.finfo(np.float32).max,
                                                                              np.float32)


COMPUTE_ACCIDENTAL_HITS = OpDef("ComputeAccidentalHits", _accidental_hits_kernel, grad=None, host_only=True)


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """The sampled candidates that are also true classes of a row: ``(indices, ids, weights)``, one entry per
    (row, sampled position) hit, the weight ``-FLT_MAX`` (to add to those sampled logits), as TF1."""
    t = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
    s = convert_to_tensor(sampled_candidates, dtype=dtypes.int64, name="sampled_candidates")
    op = make_op(COMPUTE_ACCIDENTAL_HITS, [t, s], [(dtypes.int32, [None]), (dtypes.int64, [None]),
                                                    (dtypes.float32, [None])], name or "ComputeAccidentalHits",
                 params={"num_true": int(num_true)})
    return tuple(op.outputs)
