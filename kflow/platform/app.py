"""``kf.app.run``: parse the command-line flags, then call ``main(argv)`` and exit with its result.

Example:
    >>> def main(argv):
    ...     print(kf.app.flags.FLAGS.learning_rate, argv[1:])
    >>> if __name__ == "__main__":
    ...     kf.app.run()            # runs __main__.main with the remaining arguments
"""
import sys

from kflow.platform import flags

HELP_ARGS = ("--help", "-h", "--helpfull", "-help")


def run(main=None, argv=None):
    """Parses ``argv`` (default ``sys.argv``) into ``flags.FLAGS`` and exits with ``main(remaining_argv)``.

    As TF1's ``tf.app.run``, arguments that are not defined flags pass through to ``main`` (programs parse them
    with argparse, e.g. TF's premade-Estimator tutorial's ``--train_steps``). ``--help`` prints each flag with
    its help text and exits with status 0; a bad value for a defined flag prints the error and exits with
    status 1.
    """
    args = list(sys.argv if argv is None else argv)
    if any(a in HELP_ARGS for a in args[1:]):
        print(flags.FLAGS.help_text(args[0] if args else None))
        sys.exit(0)
    try:
        remaining = flags.FLAGS(args, known_only=True)
    except flags.Error as e:
        print("FATAL Flags parsing error: %s\nPass --help to see the flags." % e, file=sys.stderr)
        sys.exit(1)
    if main is None:
        main = sys.modules["__main__"].main
    sys.exit(main(remaining))
