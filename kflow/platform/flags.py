"""``kf.app.flags``: TF1's command-line flags (absl style), without absl.

Flags are declared at module level with ``DEFINE_*`` and read as attributes of ``FLAGS``. ``kf.app.run``
parses ``sys.argv`` (``--name=value``, ``--name value``, ``--bool``/``--nobool``, ``--`` ends flags); reading a
flag before any parse parses ``sys.argv`` first, as TF1's wrapper does (then unknown arguments are left alone,
because the program may parse them itself, e.g. with argparse's ``parse_known_args``).

Example:
    >>> flags = kf.app.flags
    >>> flags.DEFINE_integer("batch_size", 100, "Batch size.")
    >>> flags.FLAGS(["prog", "--batch_size=32", "data.txt"])
    ['prog', 'data.txt']
    >>> flags.FLAGS.batch_size
    32
"""
import sys


class Error(Exception):
    """Base class of flag errors."""


class IllegalFlagValueError(Error, ValueError):
    """A value that does not parse as the flag's type (or is not one of an enum's values)."""


class UnrecognizedFlagError(Error, ValueError):
    """``--name`` names no defined flag."""


class DuplicateFlagError(Error):
    """A flag name is defined twice."""


class UnparsedFlagAccessError(Error, AttributeError):
    """Reserved for absl compatibility (kflow parses ``sys.argv`` on first access instead)."""


_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def _parse_bool(text):
    low = str(text).strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("expected true/false, got %r" % text)


def _parse_list(text):
    if isinstance(text, (list, tuple)):
        return list(text)
    return [] if text == "" else [part.strip() for part in str(text).split(",")]


class Flag:
    """One flag: its name, parser, default, help text and current value."""

    def __init__(self, name, default, help_text, parse, type_name, enum_values=None, multi=False):
        self.name = name
        self.help = help_text or ""
        self.parse_text = parse
        self.type_name = type_name
        self.enum_values = enum_values
        self.multi = multi  # repeatable: ``--name=a --name=b`` gives ["a", "b"]
        self.required = False
        self.default = None if default is None else self.convert_all(default)
        self.value = self.default
        self.present = False

    def convert_all(self, value):
        """``value`` converted: for a repeatable flag, each item of a list (or the one value) into a list."""
        if not self.multi:
            return self.convert(value)
        return [self.convert(v) for v in (value if isinstance(value, (list, tuple)) else [value])]

    def convert(self, text):
        if not isinstance(text, str) and self.type_name not in ("list", "enum"):
            if self.type_name == "bool" and not isinstance(text, bool):
                raise IllegalFlagValueError("flag --%s: expected a bool, got %r" % (self.name, text))
            if self.type_name in ("int", "float") and isinstance(text, bool):
                raise IllegalFlagValueError("flag --%s: expected a %s, got %r" % (self.name, self.type_name, text))
        try:
            value = self.parse_text(text)
        except (TypeError, ValueError) as e:
            raise IllegalFlagValueError("flag --%s=%s: %s (a %s flag)" % (self.name, text, e, self.type_name)) \
                from None
        if self.enum_values is not None and value not in self.enum_values:
            raise IllegalFlagValueError("flag --%s=%s: value should be one of <%s>"
                                        % (self.name, text, "|".join(self.enum_values)))
        return value


class FlagValues:
    """A registry of flags; ``FLAGS`` is the process-wide one.

    Calling it with ``argv`` parses the flags in it and returns the other arguments (``argv[0]`` first).
    """

    def __init__(self):
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_parsed", False)

    # ---- declaring ---------------------------------------------------------
    def _define(self, flag):
        if flag.name in self._flags:
            raise DuplicateFlagError("The flag '%s' is defined twice." % flag.name)
        self._flags[flag.name] = flag
        return flag

    def __delattr__(self, name):
        if name not in self._flags:
            raise AttributeError(name)
        del self._flags[name]

    def __contains__(self, name):
        return name in self._flags

    def __iter__(self):
        return iter(list(self._flags))

    # ---- values --------------------------------------------------------------
    def __getattr__(self, name):
        flags = object.__getattribute__(self, "_flags")
        if name == "__flags":  # old TF1 programs print ``FLAGS.__flags`` (absl: name -> Flag, each with .value)
            if not self._parsed:
                self._parse(sys.argv, known_only=True)
            return dict(flags)
        if name not in flags:
            raise AttributeError("Unknown flag %r (defined flags: %s)" % (name, ", ".join(sorted(flags)) or "none"))
        if not self._parsed:
            self._parse(sys.argv, known_only=True)
        return flags[name].value

    def __setattr__(self, name, value):
        if name not in self._flags:
            raise AttributeError("Unknown flag %r: define it with DEFINE_* before setting it" % name)
        flag = self._flags[name]
        flag.value = None if value is None else flag.convert_all(value)

    def __getitem__(self, name):
        return self._flags[name]

    def flag_values_dict(self):
        return {name: flag.value for name, flag in self._flags.items()}

    def is_parsed(self):
        return self._parsed

    def _parse_flags(self, args=None):
        """TF <= 1.4's explicit parse: parses ``args`` (default ``sys.argv``), keeping unknown arguments."""
        return self._parse(sys.argv if args is None else args, known_only=True)

    def mark_as_parsed(self):
        object.__setattr__(self, "_parsed", True)

    def unparse_flags(self):
        for flag in self._flags.values():
            flag.value, flag.present = flag.default, False
        object.__setattr__(self, "_parsed", False)

    # ---- parsing ---------------------------------------------------------
    def __call__(self, argv, known_only=False):
        """Parses ``argv`` (``argv[0]`` is the program); returns ``[argv[0]] + the non-flag arguments``.

        Raises:
            UnrecognizedFlagError: an unknown ``--flag`` (unless ``known_only``, which keeps it in the result).
            IllegalFlagValueError: a value that does not parse.
        """
        return self._parse(argv, known_only)

    def _parse(self, argv, known_only):
        argv = list(argv)
        rest = argv[:1]
        args = argv[1:]
        seen = set()  # repeatable flags given in this argv: later occurrences add to the list
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                rest.extend(args[i:])
                break
            if not arg.startswith("-") or arg == "-":
                rest.append(arg)
                continue
            body = arg.lstrip("-")
            name, eq, value = body.partition("=")
            flag = self._flags.get(name)
            if flag is None and name.startswith("no") and not eq:
                negated = self._flags.get(name[2:])
                if negated is not None and negated.type_name == "bool":
                    negated.value, negated.present = False, True
                    continue
            if flag is None:
                if known_only:
                    rest.append(arg)
                    continue
                raise UnrecognizedFlagError("Unknown command line flag '%s' (in %r)" % (name, arg))
            if not eq:
                if flag.type_name == "bool":
                    value = "true"
                elif i < len(args):
                    value = args[i]
                    i += 1
                else:
                    raise IllegalFlagValueError("flag --%s: missing a value" % name)
            if flag.multi:
                flag.value = (flag.value if name in seen else []) + [flag.convert(value)]
                seen.add(name)
            else:
                flag.value = flag.convert(value)
            flag.present = True
        if not known_only:
            missing = sorted(f.name for f in self._flags.values() if f.required and f.value is None)
            if missing:
                raise IllegalFlagValueError("Flag --%s must have a value other than None (it is marked as "
                                            "required)" % ", --".join(missing))
        object.__setattr__(self, "_parsed", True)
        return rest

    def help_text(self, program=None):
        """The usage text ``--help`` prints: each flag with its help, type and default."""
        lines = ["usage: %s [flags]" % (program or "program"), "", "flags:"]
        for name in sorted(self._flags):
            flag = self._flags[name]
            default = ",".join(flag.default) if flag.type_name == "list" and flag.default else flag.default
            lines.append("  --%s: %s" % (name, flag.help))
            extra = "one of <%s>; " % "|".join(flag.enum_values) if flag.enum_values else ""
            lines.append("    (%sa %s; default: %r)" % (extra, flag.type_name, default))
        return "\n".join(lines)


FLAGS = FlagValues()


def _definer(parse, type_name, multi=False):
    def define(name, default, help, flag_values=FLAGS, **kwargs):  # noqa: A002 - TF's argument name
        return flag_values._define(Flag(name, default, help, parse, type_name, multi=multi))
    define.__doc__ = "Defines a %s%s flag: ``DEFINE_%s%s(name, default, help)``." % (
        "repeatable " if multi else "", type_name, "multi_" if multi else "", type_name)
    return define


DEFINE_string = _definer(str, "string")
DEFINE_integer = _definer(int, "int")
DEFINE_float = _definer(float, "float")
DEFINE_boolean = _definer(_parse_bool, "bool")
DEFINE_bool = DEFINE_boolean
DEFINE_list = _definer(_parse_list, "list")
DEFINE_multi_string = _definer(str, "string", multi=True)
DEFINE_multi_integer = _definer(int, "int", multi=True)
DEFINE_multi_float = _definer(float, "float", multi=True)


def DEFINE_enum(name, default, enum_values, help, flag_values=FLAGS, **kwargs):  # noqa: N802,A002
    """Defines a string flag whose value must be one of ``enum_values``."""
    return flag_values._define(Flag(name, default, help, str, "enum", enum_values=list(enum_values)))


def mark_flag_as_required(flag_name, flag_values=FLAGS):
    """Parsing ``argv`` (``kf.app.run``, ``FLAGS(argv)``) fails unless the flag ends up with a value."""
    flag_values[flag_name].required = True


def mark_flags_as_required(flag_names, flag_values=FLAGS):
    for name in flag_names:
        mark_flag_as_required(name, flag_values)
