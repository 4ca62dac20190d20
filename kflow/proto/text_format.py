"""protobuf's text format for strings, shared by every kflow message family and by TF1's text files.

``str(message)`` of the Example classes and of :class:`kflow.proto.message.Message`,
and the ``checkpoint`` state file, all quote strings as protobuf 3 / TF1 do:
named escapes for quotes, backslash, newline, CR and tab; octal for other
non-printable bytes and for each UTF-8 byte of non-ASCII text.

Example:
    >>> quote("a\\tb")
    '"a\\\\tb"'
    >>> c_escape(b"\\xff")
    '\\\\377'
"""

_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"', ord("'"): "\\'",
            ord("\\"): "\\\\"}


def c_escape(data):
    """protobuf's ``CEscape`` of ``data`` (``bytes``, or ``str`` taken as its UTF-8 bytes), without quotes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return "".join(_ESCAPES.get(b) or (chr(b) if 32 <= b < 127 else "\\%03o" % b) for b in data)


def quote(data):
    """``data`` as a quoted text-format string: ``'"' + c_escape(data) + '"'``."""
    return '"%s"' % c_escape(data)
