"""Device strings as TF1 writes them (``/job:ps/replica:0/task:1/device:GPU:0``, ``/gpu:0``) and their merging.

Nested ``kf.device`` scopes merge as in TF1: the inner scope's fields win and the outer scopes fill the fields
it leaves out (``/job:worker`` around ``/gpu:0`` gives ``/job:worker/device:GPU:0``). A device function
(``kf.device(fn)``, e.g. ``kf.train.replica_device_setter``) gets the op, with the device that the scopes
inside it chose, and returns its device.

Example:
    >>> merge_device("/gpu:0", "/job:worker/task:1")
    '/job:worker/task:1/device:GPU:0'
    >>> parse_fields("/job:ps/task:0")
    {'job': 'ps', 'task': '0'}
"""
import re

_FIELD_ORDER = ("job", "replica", "task", "device")
_SHORT_DEVICE = re.compile(r"^(cpu|gpu)(?::(\d+|\*))?$", re.IGNORECASE)


def parse_fields(spec):
    """``{field: value}`` of a device string (``device`` is e.g. "GPU:0").

    Raises:
        ValueError: a part that is not ``job:``, ``replica:``, ``task:``, ``device:`` or ``cpu``/``gpu``.
    """
    fields = {}
    for part in (spec or "").strip().split("/"):
        if not part:
            continue
        short = _SHORT_DEVICE.match(part)
        if short:
            fields["device"] = "%s:%s" % (short.group(1).upper(), short.group(2) or "0")
            continue
        name, _, value = part.partition(":")
        name = name.lower()
        if name == "device":
            kind, _, index = value.partition(":")
            fields["device"] = "%s:%s" % (kind.upper(), index or "0")
        elif name in ("job", "replica", "task") and value:
            fields[name] = value
        else:
            raise ValueError("Unknown device specification %r (part %r); use '/cpu:0', '/gpu:0', "
                             "'/device:GPU:0' or '/job:NAME/task:N'" % (spec, part))
    return fields


def format_fields(fields):
    return "".join("/%s:%s" % (name, fields[name]) for name in _FIELD_ORDER if name in fields)


def merge_device(inner, outer):
    """``inner``'s fields, completed by ``outer``'s; ``inner`` comes back unchanged when outer adds nothing."""
    if not outer:
        return inner or ""
    if not inner:
        return outer
    mine = parse_fields(inner)
    merged = dict(parse_fields(outer), **mine)
    return inner if merged == mine else format_fields(merged)


def device_for(op, stack):
    """The device of ``op`` created under the device ``stack`` (outermost first; strings, functions, or None
    for ``kf.device(None)``, which hides the scopes outside it)."""
    device = ""
    for entry in reversed(stack):  # innermost first: outer scopes only fill what inner ones left out
        if entry is None:
            break  # kf.device(None): the scopes outside do not apply
        if callable(entry):
            op.device = device
            device = entry(op) or ""
            if hasattr(device, "to_string"):
                device = device.to_string()
        elif entry:
            device = merge_device(device, entry)
    return device
