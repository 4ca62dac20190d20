"""TF1's queue-based input pipeline: input producers (``string_input_producer``, ``slice_input_producer``...)
and batchers (``batch``, ``shuffle_batch``, ``batch_join``, ``shuffle_batch_join``).

Each builds a queue, an enqueue op and a ``QueueRunner`` (added to the graph's ``QUEUE_RUNNERS``) and returns
what a consumer reads; ``kf.train.start_queue_runners`` starts the threads. With ``num_epochs`` the producer
stops after that many passes (a local variable counts them: run ``kf.local_variables_initializer()``), and
the consumers then get ``OutOfRangeError``.

Example:
    >>> image, label = kf.train.slice_input_producer([images, labels], num_epochs=1, shuffle=False)
    >>> images_batch, labels_batch = kf.train.batch([image, label], batch_size=32,
    ...                                            allow_smaller_final_batch=True)
"""
from kflow.data.queue.queues import FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue
from kflow.data.queue.readers import matching_files
from kflow.engine import dtypes
from kflow.engine import graph as graph_mod
from kflow.engine.count_up_to import count_up_to
from kflow.engine.graph import GraphKeys
from kflow.engine.ops.array_ops import range as range_op, shape as shape_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.gather_ops import gather
from kflow.engine.ops.math_ops import cast, maximum
from kflow.engine.ops.random_ops import random_shuffle
from kflow.engine.variables import Variable
from kflow.summary.summary_ops import scalar as scalar_summary
from kflow.train.queue_runner import QueueRunner, add_queue_runner


def limit_epochs(tensor, num_epochs=None, name=None):
    """``tensor``, which raises ``OutOfRangeError`` once it has been evaluated ``num_epochs`` times."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError("num_epochs must be > 0, not %d" % num_epochs)
    with graph_mod.name_scope(name, "limit_epochs"):
        epochs = Variable(0, dtype=dtypes.int64, trainable=False, name="epochs",
                          collections=[GraphKeys.LOCAL_VARIABLES])
        counter = count_up_to(epochs, num_epochs)
        with graph_mod.control_dependencies([counter.op]):
            return identity(tensor, name="limit_epochs")


def match_filenames_once(pattern, name=None):
    """A local variable holding the file names matching ``pattern``, found when local variables are initialized
    (``kf.local_variables_initializer()``), as TF1's."""
    with graph_mod.name_scope(name, "matching_filenames"):
        return Variable(matching_files(pattern), trainable=False, validate_shape=False, name="matching_filenames",
                        collections=[GraphKeys.LOCAL_VARIABLES])


def _fill_summary(queue, name, minimum=0, capacity=None):
    size = cast(queue.size(), dtypes.float32)
    if minimum:
        size = maximum(size - float(minimum), 0.0)
    scalar_summary("queue/%s/%s" % (queue.name, name), size * (1.0 / capacity))


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None, capacity=32,
                   shared_name=None, summary_name=None, name=None, cancel_op=None):
    """A FIFO queue filled with the rows of ``input_tensor`` (shuffled each epoch when ``shuffle``)."""
    with graph_mod.name_scope(name, "input_producer"):
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        if element_shape is None:
            if input_tensor.shape.ndims is None or input_tensor.shape.ndims == 0:
                raise ValueError("input_producer: input_tensor %s must have a known rank >= 1 (or give "
                                 "element_shape)" % input_tensor.name)
            element_shape = input_tensor.shape[1:]
        if shuffle:
            input_tensor = random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        queue = FIFOQueue(capacity, [input_tensor.dtype], shapes=[element_shape])
        add_queue_runner(QueueRunner(queue, [queue.enqueue_many([input_tensor])], cancel_op=cancel_op))
        if summary_name is not None:
            _fill_summary(queue, summary_name, capacity=capacity)
        return queue


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                          name=None, cancel_op=None):
    """A queue of the strings (usually file names) of ``string_tensor``, for a reader's ``read``.

    Raises:
        ValueError: ``string_tensor`` is empty.
    """
    with graph_mod.name_scope(name, "input_producer"):
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        if string_tensor.shape.ndims != 1:
            raise ValueError("string_input_producer needs a 1-D tensor of strings, got shape %s"
                             % string_tensor.shape)
        if string_tensor.shape.dims[0] == 0:
            raise ValueError("string_input_producer needs a non-empty list of strings (no file matched?)")
        return input_producer(string_tensor, [], num_epochs, shuffle, seed, capacity, shared_name,
                              "fraction_of_%d_full" % capacity, cancel_op=cancel_op)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """A queue of the integers ``0 .. limit-1`` (int32), each epoch in a new order when ``shuffle``."""
    with graph_mod.name_scope(name, "input_producer"):
        return input_producer(range_op(limit), [], num_epochs, shuffle, seed, capacity, shared_name,
                              "fraction_of_%d_full" % capacity)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """One row (slice along dimension 0) of every tensor of ``tensor_list`` at a time, rows kept together."""
    with graph_mod.name_scope(name, "input_producer"):
        tensors = [convert_to_tensor(t) for t in tensor_list]
        if not tensors:
            raise ValueError("slice_input_producer needs a non-empty tensor_list")
        rows = tensors[0].shape.dims[0] if tensors[0].shape.ndims else None
        for t in tensors[1:]:
            other = t.shape.dims[0] if t.shape.ndims else None
            if rows is not None and other is not None and rows != other:
                raise ValueError("slice_input_producer: tensors have different numbers of rows: %s"
                                 % ", ".join("%s %s" % (x.name, x.shape) for x in tensors))
        limit = rows if rows is not None else shape_op(tensors[0])[0]
        queue = range_input_producer(limit, num_epochs, shuffle, seed, capacity, shared_name)
        index = queue.dequeue()
        return [gather(t, index) for t in tensors]


# ---- batching ------------------------------------------------------------------------------------------------
def _flatten(tensors):
    """``(flat list, rebuild)`` for a tensor, a list/tuple of tensors or a dict of tensors."""
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return [tensors[k] for k in keys], lambda flat: dict(zip(keys, flat))
    if isinstance(tensors, (list, tuple)):
        kind = type(tensors)
        return list(tensors), lambda flat: kind(flat) if kind is tuple else list(flat)
    return [tensors], lambda flat: flat[0]


def _queue_shapes(flat, shapes, enqueue_many, dynamic_pad, what):
    if shapes is not None:
        return list(shapes)
    out = []
    for t in flat:
        shape = t.shape[1:] if enqueue_many and t.shape.ndims else t.shape
        if not dynamic_pad and not shape.is_fully_defined():
            raise ValueError("%s: all shapes must be fully defined, but %s has element shape %s; pass shapes=, "
                             "set_shape() the tensor, or use dynamic_pad=True" % (what, t.name, shape))
        out.append(shape)
    return out


def _batch(tensors_list, batch_size, make_queue, threads_per_input, enqueue_many, shapes, dynamic_pad,
           allow_smaller_final_batch, summary, name, what, keep_input=None):
    with graph_mod.name_scope(name, what):
        structures = [_flatten(t) for t in tensors_list]
        flat_list = [[convert_to_tensor(t) for t in flat] for flat, _ in structures]
        first = flat_list[0]
        for flat in flat_list[1:]:
            if [t.dtype for t in flat] != [t.dtype for t in first]:
                raise TypeError("%s: every entry of tensors_list needs the same dtypes, got %s and %s"
                                % (what, [t.dtype.name for t in first], [t.dtype.name for t in flat]))
        queue = make_queue([t.dtype for t in first],
                           _queue_shapes(first, shapes, enqueue_many, dynamic_pad, what))
        if keep_input is None:
            enqueue_ops = [queue.enqueue_many(flat) if enqueue_many else queue.enqueue(flat) for flat in flat_list]
        else:
            enqueue_ops = [queue.enqueue_if(keep_input, flat, many=enqueue_many) for flat in flat_list]
        add_queue_runner(QueueRunner(queue, enqueue_ops * threads_per_input))
        summary(queue)
        n = convert_to_tensor(batch_size, dtype=dtypes.int32)
        out = queue.dequeue_up_to(n) if allow_smaller_final_batch else queue.dequeue_many(
            batch_size if isinstance(batch_size, int) else n)
        out = out if isinstance(out, list) else [out]
        return structures[0][1](out)


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
          allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of ``batch_size`` elements of ``tensors`` (a tensor, list or dict), in order, filled by
    ``num_threads`` threads; ``dynamic_pad`` pads variable-length elements; ``allow_smaller_final_batch``
    returns the last, smaller batch instead of ``OutOfRangeError``."""
    def make_queue(dts, shps):
        return (PaddingFIFOQueue if dynamic_pad else FIFOQueue)(capacity, dts, shapes=shps)
    return _batch([tensors], batch_size, make_queue, num_threads, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, lambda q: _fill_summary(q, "fraction_of_%d_full" % capacity,
                                                                     capacity=capacity), name, "batch")


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
               allow_smaller_final_batch=False, shared_name=None, name=None):
    """As ``batch``, with one thread per entry of ``tensors_list`` (e.g. one reader each)."""
    def make_queue(dts, shps):
        return (PaddingFIFOQueue if dynamic_pad else FIFOQueue)(capacity, dts, shapes=shps)
    return _batch(list(tensors_list), batch_size, make_queue, 1, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, lambda q: _fill_summary(q, "fraction_of_%d_full" % capacity,
                                                                     capacity=capacity), name, "batch_join")


def _shuffle_summary(capacity, min_after_dequeue):
    name = "fraction_over_%d_of_%d_full" % (min_after_dequeue, capacity - min_after_dequeue)
    return lambda q: _fill_summary(q, name, min_after_dequeue, capacity - min_after_dequeue)


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None, enqueue_many=False,
                  shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of ``batch_size`` elements drawn at random from a queue holding at least
    ``min_after_dequeue`` of them (until the input ends)."""
    def make_queue(dts, shps):
        return RandomShuffleQueue(capacity, min_after_dequeue, dts, shapes=shps, seed=seed)
    return _batch([tensors], batch_size, make_queue, num_threads, enqueue_many, shapes, False,
                  allow_smaller_final_batch, _shuffle_summary(capacity, min_after_dequeue), name, "shuffle_batch")


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None, enqueue_many=False,
                       shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """As ``shuffle_batch``, with one thread per entry of ``tensors_list``."""
    def make_queue(dts, shps):
        return RandomShuffleQueue(capacity, min_after_dequeue, dts, shapes=shps, seed=seed)
    return _batch(list(tensors_list), batch_size, make_queue, 1, enqueue_many, shapes, False,
                  allow_smaller_final_batch, _shuffle_summary(capacity, min_after_dequeue), name,
                  "shuffle_batch_join")


# ---- conditional batching: only the elements whose keep_input is true enter the queue -------------------------
def maybe_batch(tensors, keep_input, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
                dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """As ``batch``, enqueuing an element only when ``keep_input`` is true (with ``enqueue_many``, per row)."""
    def make_queue(dts, shps):
        return (PaddingFIFOQueue if dynamic_pad else FIFOQueue)(capacity, dts, shapes=shps)
    return _batch([tensors], batch_size, make_queue, num_threads, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, lambda q: _fill_summary(q, "fraction_of_%d_full" % capacity,
                                                                     capacity=capacity), name, "maybe_batch",
                  keep_input=keep_input)


def maybe_batch_join(tensors_list, keep_input, batch_size, capacity=32, enqueue_many=False, shapes=None,
                     dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """As ``batch_join``, keeping only the elements whose ``keep_input`` is true."""
    def make_queue(dts, shps):
        return (PaddingFIFOQueue if dynamic_pad else FIFOQueue)(capacity, dts, shapes=shps)
    return _batch(list(tensors_list), batch_size, make_queue, 1, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, lambda q: _fill_summary(q, "fraction_of_%d_full" % capacity,
                                                                     capacity=capacity), name, "maybe_batch_join",
                  keep_input=keep_input)


def maybe_shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, keep_input, num_threads=1, seed=None,
                        enqueue_many=False, shapes=None, allow_smaller_final_batch=False, shared_name=None,
                        name=None):
    """As ``shuffle_batch``, keeping only the elements whose ``keep_input`` is true."""
    def make_queue(dts, shps):
        return RandomShuffleQueue(capacity, min_after_dequeue, dts, shapes=shps, seed=seed)
    return _batch([tensors], batch_size, make_queue, num_threads, enqueue_many, shapes, False,
                  allow_smaller_final_batch, _shuffle_summary(capacity, min_after_dequeue), name,
                  "maybe_shuffle_batch", keep_input=keep_input)


def maybe_shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, keep_input, seed=None,
                             enqueue_many=False, shapes=None, allow_smaller_final_batch=False, shared_name=None,
                             name=None):
    """As ``shuffle_batch_join``, keeping only the elements whose ``keep_input`` is true."""
    def make_queue(dts, shps):
        return RandomShuffleQueue(capacity, min_after_dequeue, dts, shapes=shps, seed=seed)
    return _batch(list(tensors_list), batch_size, make_queue, 1, enqueue_many, shapes, False,
                  allow_smaller_final_batch, _shuffle_summary(capacity, min_after_dequeue), name,
                  "maybe_shuffle_batch_join", keep_input=keep_input)
