"""kf.gfile and kf.io.gfile on the local file system."""
import os

import pytest

import kflow as kf


def test_file_round_trip_and_listing(tmp_path):
    gf = kf.gfile
    root = str(tmp_path / "run")
    gf.MakeDirs(os.path.join(root, "a", "b"))
    gf.MakeDirs(os.path.join(root, "a", "b"))  # existing: fine
    with gf.GFile(os.path.join(root, "a", "x.txt"), "w") as f:
        f.write("line1\nline2\n")
    with gf.Open(os.path.join(root, "a", "x.txt")) as f:
        assert list(f) == ["line1\n", "line2\n"]
    with gf.FastGFile(os.path.join(root, "y.bin"), "wb") as f:
        f.write(b"\x00\x01")
    with gf.GFile(os.path.join(root, "y.bin"), "rb") as f:
        assert f.read() == b"\x00\x01" and f.size() == 2
    assert gf.Exists(root) and gf.IsDirectory(os.path.join(root, "a")) and not gf.IsDirectory(
        os.path.join(root, "y.bin"))
    assert gf.ListDirectory(root) == ["a", "y.bin"]
    assert gf.Glob(os.path.join(root, "a", "*.txt")) == [os.path.join(root, "a", "x.txt")]
    walked = list(gf.Walk(root))
    assert walked[0] == (root, ["a"], ["y.bin"])
    assert walked[1] == (os.path.join(root, "a"), ["b"], ["x.txt"])
    st = gf.Stat(os.path.join(root, "a", "x.txt"))
    assert st.length == 12 and not st.is_directory and st.mtime_nsec > 0


def test_copy_rename_remove(tmp_path):
    gf = kf.io.gfile
    src, dst = str(tmp_path / "src.txt"), str(tmp_path / "dst.txt")
    with gf.GFile(src, "w") as f:
        f.write("one")
    gf.copy(src, dst)
    with pytest.raises(kf.errors.AlreadyExistsError, match="dst.txt"):
        gf.copy(src, dst)
    with gf.GFile(src, "w") as f:
        f.write("two")
    gf.copy(src, dst, overwrite=True)
    assert open(dst).read() == "two"
    moved = str(tmp_path / "moved.txt")
    gf.rename(dst, moved)
    assert not gf.exists(dst) and gf.exists(moved)
    with pytest.raises(kf.errors.AlreadyExistsError):
        gf.rename(src, moved)
    gf.remove(moved)
    with pytest.raises(kf.errors.NotFoundError, match="moved.txt"):
        gf.remove(moved)
    gf.makedirs(str(tmp_path / "d" / "e"))
    gf.rmtree(str(tmp_path / "d"))
    assert not gf.isdir(str(tmp_path / "d"))
    assert gf.listdir(str(tmp_path)) == ["src.txt"]
    assert gf.glob(str(tmp_path / "*.txt")) == [src]


def test_missing_paths_raise_not_found(tmp_path):
    gf = kf.gfile
    missing = str(tmp_path / "missing")
    for call in (lambda: gf.GFile(missing), lambda: gf.ListDirectory(missing), lambda: gf.DeleteRecursively(missing),
                 lambda: gf.Stat(missing), lambda: gf.Copy(missing, missing + "2"),
                 lambda: gf.MkDir(os.path.join(missing, "child"))):
        with pytest.raises(kf.errors.NotFoundError, match="missing"):
            call()
    gf.MkDir(missing)
    with pytest.raises(kf.errors.AlreadyExistsError):
        gf.MkDir(missing)


def test_files_honour_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = str(tmp_path / "f.txt")
        with kf.gfile.GFile(path, "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o640
