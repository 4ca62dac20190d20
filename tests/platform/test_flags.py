"""kf.app.flags and kf.app.run: defining, parsing argv, --help, errors."""
import sys

import pytest

import kflow as kf
from kflow.platform import flags


@pytest.fixture
def fv():
    return flags.FlagValues()


def define_all(fv):
    flags.DEFINE_string("data_dir", "/tmp/data", "Where the data is.", flag_values=fv)
    flags.DEFINE_integer("batch_size", 100, "Batch size.", flag_values=fv)
    flags.DEFINE_float("learning_rate", 0.01, "Learning rate.", flag_values=fv)
    flags.DEFINE_boolean("fake_data", False, "Use fake data.", flag_values=fv)
    flags.DEFINE_bool("verbose", True, "Talk.", flag_values=fv)
    flags.DEFINE_list("layers", "128,32", "Layer sizes.", flag_values=fv)
    flags.DEFINE_enum("mode", "train", ["train", "eval"], "Mode.", flag_values=fv)


def test_defaults_and_types(fv):
    define_all(fv)
    fv(["prog"])
    assert (fv.data_dir, fv.batch_size, fv.learning_rate, fv.fake_data, fv.verbose) == \
        ("/tmp/data", 100, 0.01, False, True)
    assert fv.layers == ["128", "32"] and fv.mode == "train"


def test_parse_forms_and_remaining_args(fv):
    define_all(fv)
    rest = fv(["prog", "--batch_size=32", "--learning_rate", "0.5", "input.txt", "--fake_data", "--noverbose",
               "--layers=8,4,2", "--mode=eval", "--", "--not_a_flag"])
    assert rest == ["prog", "input.txt", "--not_a_flag"]
    assert fv.batch_size == 32 and fv.learning_rate == 0.5
    assert fv.fake_data is True and fv.verbose is False
    assert fv.layers == ["8", "4", "2"] and fv.mode == "eval"
    fv(["prog", "--fake_data=false", "-batch_size=7"])
    assert fv.fake_data is False and fv.batch_size == 7


def test_bad_values_and_unknown_flags(fv):
    define_all(fv)
    with pytest.raises(flags.IllegalFlagValueError, match="batch_size=abc"):
        fv(["prog", "--batch_size=abc"])
    with pytest.raises(flags.IllegalFlagValueError, match="train|eval"):
        fv(["prog", "--mode=predict"])
    with pytest.raises(flags.UnrecognizedFlagError, match="lerning_rate"):
        fv(["prog", "--lerning_rate=1"])
    assert fv(["prog", "--lerning_rate=1"], known_only=True) == ["prog", "--lerning_rate=1"]
    with pytest.raises(flags.DuplicateFlagError, match="batch_size"):
        flags.DEFINE_integer("batch_size", 1, "again", flag_values=fv)
    with pytest.raises(AttributeError, match="batch_sise"):
        fv.batch_sise


def test_assignment_converts_and_delete(fv):
    define_all(fv)
    fv.batch_size = "12"
    assert fv.batch_size == 12
    assert fv.flag_values_dict()["batch_size"] == 12
    del fv.batch_size
    assert "batch_size" not in fv


def test_first_access_parses_sys_argv_leniently(fv, monkeypatch):
    flags.DEFINE_integer("steps", 10, "Steps.", flag_values=fv)
    monkeypatch.setattr(sys, "argv", ["prog", "--steps=3", "--unknown_to_us=1"])
    assert fv.steps == 3 and fv.is_parsed()


def test_app_run_calls_main_with_remaining_argv(monkeypatch):
    name = "app_run_test_epochs"
    kf.app.flags.DEFINE_integer(name, 1, "Epochs.")
    seen = []
    try:
        with pytest.raises(SystemExit) as exit_info:
            kf.app.run(main=lambda argv: seen.append((argv, getattr(kf.app.flags.FLAGS, name))) or 3,
                       argv=["prog", "--%s=4" % name, "extra"])
        assert exit_info.value.code == 3
        assert seen == [(["prog", "extra"], 4)]
    finally:
        delattr(kf.app.flags.FLAGS, name)


def test_app_run_help_and_errors(capsys):
    name = "app_run_help_rate"
    kf.flags.DEFINE_float(name, 0.25, "The rate to use.")
    try:
        with pytest.raises(SystemExit) as exit_info:
            kf.app.run(main=lambda argv: 0, argv=["prog", "--help"])
        assert exit_info.value.code == 0
        out = capsys.readouterr().out
        assert "--%s: The rate to use." % name in out and "0.25" in out
        with pytest.raises(SystemExit) as exit_info:  # a bad value of a defined flag
            kf.app.run(main=lambda argv: 0, argv=["prog", "--%s=fast" % name])
        assert exit_info.value.code == 1
        assert name in capsys.readouterr().err
        seen = []  # arguments that are not defined flags reach main, as in TF1 (argparse parses them there)
        with pytest.raises(SystemExit) as exit_info:
            kf.app.run(main=lambda argv: seen.append(argv) or 0, argv=["prog", "--train_steps=5", "--%s=0.5" % name])
        assert exit_info.value.code == 0 and seen == [["prog", "--train_steps=5"]]
        assert getattr(kf.flags.FLAGS, name) == 0.5
    finally:
        delattr(kf.flags.FLAGS, name)


def test_repeatable_flags(fv):
    flags.DEFINE_multi_string("tag", ["a"], "Tags.", flag_values=fv)
    flags.DEFINE_multi_integer("gpu", 0, "GPUs.", flag_values=fv)
    fv(["prog"])
    assert fv.tag == ["a"] and fv.gpu == [0]
    fv(["prog", "--tag=x", "--tag", "y", "--gpu=1", "--gpu=3"])
    assert fv.tag == ["x", "y"] and fv.gpu == [1, 3]
    fv(["prog", "--tag=z"])  # a new argv starts a new list
    assert fv.tag == ["z"]
    with pytest.raises(flags.IllegalFlagValueError, match="gpu=z"):
        fv(["prog", "--gpu=z"])


def test_required_flags(fv):
    flags.DEFINE_string("output", None, "Where to write.", flag_values=fv)
    flags.mark_flags_as_required(["output"], flag_values=fv)
    with pytest.raises(flags.IllegalFlagValueError, match="--output must have a value"):
        fv(["prog"])
    fv(["prog", "--output=/tmp/x"])
    assert fv.output == "/tmp/x"


def test_old_tf1_spellings(fv):
    flags.DEFINE_integer("epoch", 25, "Epochs.", flag_values=fv)
    assert fv._parse_flags(["prog", "--epoch=3", "--other"]) == ["prog", "--other"]
    registry = getattr(fv, "__flags")
    assert list(registry) == ["epoch"] and registry["epoch"].value == 3
