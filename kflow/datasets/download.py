"""Downloads one file into a cache directory: mirrors, checksum, atomic write.

A file is fetched from each mirror in turn until one copy passes the
checksum. The bytes go to a temporary file in the cache directory and are
moved into place with ``os.replace`` only once verified, so the cache never
holds a partial or corrupt file, even if the process is killed mid-download;
the ``.part`` files that killed downloads of a file leave are removed by its next
download (each carries its writer's pid, so a download still running is spared).

The checksum is the MD5 of the *decompressed* content. Mirrors serve the same
IDX data inside different gzip wrappers (the gzip header records a file name
and a time stamp), so a hash of the ``.gz`` bytes would reject good copies.

Example:
    >>> path = fetch("t10k-labels-idx1-ubyte.gz", "/tmp/cache",
    ...              ["https://ossci-datasets.s3.amazonaws.com/mnist/"],
    ...              md5="27ae3e4e09519cfbb04c329615203637")
"""
import gzip
import hashlib
import os
import zlib

from kflow import errors
from kflow.atomic_file import remove_stale_temp_files, temp_file
from kflow.lazy_import import lazy_module

# The HTTP stack (ssl, email, ...) and tqdm load on the first download, not on `import kflow`.
http_client = lazy_module("http.client")
urllib_error = lazy_module("urllib.error")
urllib_request = lazy_module("urllib.request")
tqdm = lazy_module("tqdm")

_CHUNK = 1 << 20
# Some mirrors refuse urllib's default agent string.
_HEADERS = {"User-Agent": "kflow-datasets/1 (+python urllib)"}


class DownloadError(errors.NotFoundError):
    """No mirror produced a valid copy of a file.

    Attributes:
      filename: the file that was requested.
      attempts: list of ``(url, reason)`` pairs, one per mirror tried.
    """

    def __init__(self, filename, attempts):
        self.filename = filename
        self.attempts = list(attempts)
        lines = "\n".join(f"  {url}: {reason}" for url, reason in self.attempts) or "  (no mirrors)"
        super().__init__(None, None, f"Could not download {filename}:\n{lines}")


def mirror_url(base, filename):
    """Joins a mirror base URL and a file name (the base may lack a slash)."""
    return base.rstrip("/") + "/" + filename


def content_md5(path):
    """MD5 hex digest of a file's content, decompressed first if it is gzip.

    Raises:
      OSError, EOFError or zlib.error: if the gzip stream is corrupt.
    """
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if is_gzip else open
    with opener(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download_to(url, dest, timeout):
    with urllib_request.urlopen(urllib_request.Request(url, headers=_HEADERS),
                                timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        # disable=None turns the bar off when stderr is not a terminal (CI, logs).
        with open(dest, "wb") as out, tqdm.tqdm(total=total, unit="B", unit_scale=True,
                                                desc=os.path.basename(dest), disable=None,
                                                leave=False) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                bar.update(len(chunk))
        if total is not None and os.path.getsize(dest) != total:
            raise OSError(f"connection closed after {os.path.getsize(dest)} of {total} bytes")


def fetch(filename, cache_dir, mirrors, md5=None, timeout=30.0):
    """Downloads ``filename`` from the first mirror whose copy is valid.

    Args:
      filename: the file name on the mirrors, also its name in the cache.
      cache_dir: the directory to store it in (created if needed).
      mirrors: base URLs tried in order (http, https or file URLs).
      md5: expected MD5 of the decompressed content, or None to skip the check.
      timeout: seconds to wait on each network operation.

    Returns:
      The path of the verified file inside ``cache_dir``.

    Raises:
      DownloadError: if no mirror gave a valid copy; it lists every attempt.
    """
    created = _missing_dirs(cache_dir)
    os.makedirs(cache_dir, exist_ok=True)
    dest = os.path.join(cache_dir, filename)
    remove_stale_temp_files(cache_dir, filename, ".part")
    attempts = []
    for base in mirrors:
        url = mirror_url(base, filename)
        try:
            _download_or_raise(url, dest, md5, timeout)
            return dest
        except urllib_error.HTTPError as e:
            attempts.append((url, f"HTTP {e.code} {e.reason}"))
        except (urllib_error.URLError, http_client.HTTPException, OSError, ValueError) as e:
            attempts.append((url, str(getattr(e, "reason", None) or e)))
    _remove_empty(created)  # a failed first download leaves no empty cache folders behind
    raise DownloadError(filename, attempts)


def _download_or_raise(url, dest, md5, timeout):
    # The temporary file is in dest's directory, so os.replace is an atomic rename.
    with temp_file(dest, ".part") as tmp:
        _download_to(url, tmp, timeout)
        if md5 is not None:
            try:
                got = content_md5(tmp)
            except (OSError, EOFError, zlib.error) as e:
                raise ValueError(f"corrupt gzip data ({e})") from e
            if got != md5:
                raise ValueError(f"checksum mismatch: content md5 {got}, expected {md5}")
        os.replace(tmp, dest)


def _missing_dirs(path):
    """The directories ``os.makedirs(path)`` would create, deepest first."""
    missing = []
    path = os.path.abspath(path)
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _remove_empty(directories):
    for directory in directories:  # deepest first; stops at the first one something else filled meanwhile
        try:
            os.rmdir(directory)
        except OSError:
            return
