"""Printing from the graph: TF1's ``kf.Print`` (identity that logs) and ``kf.print`` (an op that prints).

Both print when the op runs, to the stream current at that moment (stderr by default).
``kf.Print(x, [a, b], "msg: ")`` writes ``msg: [1 2 3...][4]`` (at most ``summarize`` values per tensor);
``kf.print("loss", loss, output_stream=sys.stdout)`` writes numpy-style summaries of each tensor
(``summarize`` items at each end of every dimension).

Example:
    >>> y = kf.Print(y, [kf.reduce_mean(y)], "mean of y: ", first_n=10)
    >>> print_op = kf.print("step", step, output_stream=sys.stdout)
    >>> with kf.control_dependencies([print_op]):
    ...     train_op = kf.identity(loss)
"""
import sys

import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like


def _scalar_text(value):
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        return "%g" % value
    return str(value)


def _rows(arr):
    """The sub-arrays along the first axis (a string tensor's elements are bytes objects: made 0-d arrays)."""
    return [np.asarray(sub, dtype=arr.dtype) for sub in arr]


def _v1_text(arr, budget):
    """TF1 Print's summary: nested brackets over the first ``budget[0]`` values, then "..."."""
    if arr.ndim == 0:
        budget[0] -= 1
        return _scalar_text(arr)
    parts, more = [], ""
    for sub in _rows(arr):
        if budget[0] <= 0:
            more = "..."
            break
        parts.append(_v1_text(sub, budget))
    return "[" + (" " if arr.ndim == 1 else "").join(parts) + more + "]"


def _v1_bracketed(arr, summarize):
    text = _v1_text(arr, [summarize if summarize >= 0 else np.inf])
    return "[%s]" % text if arr.ndim == 0 else text


def format_tensor(arr, summarize=3, indent=1):
    """numpy-style text of ``arr`` with at most ``summarize`` items at each end of each dimension (-1: all)."""
    if arr.ndim == 0:
        return _scalar_text(arr)
    items = _rows(arr)
    if summarize is not None and summarize >= 0 and len(items) > 2 * summarize:
        shown = [format_tensor(x, summarize, indent + 1) for x in items[:summarize]] + ["..."] + \
                [format_tensor(x, summarize, indent + 1) for x in items[len(items) - summarize:]]
    else:
        shown = [format_tensor(x, summarize, indent + 1) for x in items]
    sep = " " if arr.ndim == 1 else "\n" + " " * indent
    return "[" + sep.join(shown) + "]"


def _bind_print(op, session):
    message, first_n, summarize = op.attrs["message"], op.attrs["first_n"], op.attrs["summarize"]
    calls = session.resources.setdefault(("print_calls", op), [0])

    def print_kernel(value, *data):
        calls[0] += 1
        if first_n is None or first_n < 0 or calls[0] <= first_n:
            text = "".join(_v1_bracketed(np.asarray(devices.to_numpy(d)), summarize) for d in data)
            print(message + text, file=sys.stderr)
        return value
    return print_kernel


def _print_grad(op, grad):
    return [grad] + [None] * (len(op.inputs) - 1)


PRINT = OpDef("Print", bind=_bind_print, grad=_print_grad, view=True, host_only=True)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 - TF's name
    """``input_``, unchanged; running it prints ``message`` and the values of ``data`` to stderr.

    Args:
        first_n: print only the first ``first_n`` runs (per session); None or negative: always.
        summarize: values printed per tensor (default 3).
    """
    input_ = convert_to_tensor(input_)
    data = [convert_to_tensor(d) for d in (data or [])]
    op = make_op(PRINT, [input_] + data, [(input_.dtype, input_.shape)], name or "Print",
                 attrs={"message": message or "", "first_n": first_n,
                        "summarize": 3 if summarize is None else int(summarize)})
    return op.outputs[0]


def _stream_writer(output_stream):
    """``write(text)`` for an output stream: sys.stdout/sys.stderr (looked up when the op runs, so redirections
    apply), "file://path" (appended), or a logging function such as ``kf.logging.info``."""
    if output_stream is None or output_stream is sys.stderr or output_stream is sys.__stderr__:
        return lambda text: sys.stderr.write(text)
    if output_stream is sys.stdout or output_stream is sys.__stdout__:
        return lambda text: sys.stdout.write(text)
    if isinstance(output_stream, str):
        if not output_stream.startswith("file://"):
            raise ValueError("print: output_stream must be sys.stdout, sys.stderr, 'file://PATH' or a logging "
                             "function, got %r" % output_stream)
        path = output_stream[len("file://"):]

        def append(text):
            with open(path, "a") as f:
                f.write(text)
        return append
    if hasattr(output_stream, "write"):
        return output_stream.write
    if callable(output_stream):
        return lambda text: output_stream(text.rstrip("\n"))
    raise ValueError("print: unsupported output_stream %r" % (output_stream,))


def _print_v2_kernel(*arrays, template, write, summarize, sep, end):
    values = iter(arrays)
    parts = [format_tensor(np.asarray(devices.to_numpy(next(values))), summarize) if is_tensor else text
             for is_tensor, text in template]
    write(sep.join(parts) + end)


PRINT_V2 = OpDef("PrintV2", _print_v2_kernel, grad=None, host_only=True)


def print_v2(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """``kf.print``: an op that prints ``inputs`` (tensors and Python values) when run.

    Returns the op (run it, or make other ops depend on it with ``kf.control_dependencies``).
    """
    template, tensors = [], []
    for x in inputs:
        if is_tensor_like(x):
            tensors.append(convert_to_tensor(x))
            template.append((True, None))
        else:
            template.append((False, str(x)))
    return make_op(PRINT_V2, tensors, [], name or "PrintV2",
                   params={"template": tuple(template), "write": _stream_writer(output_stream),
                           "summarize": summarize, "sep": sep, "end": end})


