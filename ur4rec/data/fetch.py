"""Download and import of public data sets, verified file by file against known SHA-256 digests.

Files are first written to a temporary folder inside the destination and moved into place
with one rename only after every checksum matched, so an interrupted or failed import never
leaves a partial `dest/ml-100k/` behind.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ur4rec import __version__
from ur4rec.errors import DataError

logger = logging.getLogger(__name__)

# Called with (bytes received, total bytes); the total is 0 when the server does not send it.
ProgressCallback = Callable[[int, int], None]

DOWNLOAD_TIMEOUT_S = 60.0  # per blocking socket operation, not for the whole download
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # larger archive members are rejected, not extracted
_CHUNK_BYTES = 64 * 1024
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class DatasetFiles:
    """A fetchable data set: where it comes from and the digests its files must have."""

    name: str
    url: str
    checksums: dict[str, tuple[str, ...]]  # file name -> accepted SHA-256 hex digests
    required: tuple[str, ...]  # the files the reader cannot do without

    @property
    def source_env(self) -> str:
        """The environment variable that names a local copy to import instead of downloading."""
        return "UR4REC_" + re.sub(r"[^A-Z0-9]", "", self.name.upper()) + "_SOURCE"


# Digests of the MovieLens-100K files. u.data and u.item match the digests that other
# projects publish for the GroupLens release. NOTE: known copies of the release differ in
# u.user and u.occupation: some start with a column header line ("id|age|gender|occupation|",
# "occupation") and some do not. Both variants are accepted; the digests without the header
# were computed by removing that line, not from a download.
ML100K_SHA256: dict[str, tuple[str, ...]] = {
    "u.data": ("06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",),
    "u.item": ("553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",),
    "u.user": (
        "2469fb8081673b8e4571a15d1c3e38ee9ccb870e5ca27d8ac75fd1abdbd192cf",
        "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
    ),
    "u.genre": ("9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",),
    "u.occupation": (
        "ef337c630cae5c1115e418b6017effbcf79de3f1e73cbbd240dcc61961f15b4b",
        "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
    ),
}

DATASETS: dict[str, DatasetFiles] = {
    "ml-100k": DatasetFiles(
        name="ml-100k",
        url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        checksums=ML100K_SHA256,
        required=("u.data", "u.item"),
    ),
}


def import_dataset(name: str, source: Path, dest: Path) -> Path:
    """Copy data set `name` from a folder or a .zip archive into `dest/<name>/`, verified.

    Every file in the checksum table must be present in `source` (directly or in a
    `<name>/` subfolder) and match its SHA-256 digest. An existing `dest/<name>/` is
    replaced. Returns the new folder.
    """
    spec = dataset_files(name)
    source, dest = Path(source), Path(dest)
    _make_directory(dest)
    staging = _make_staging_directory(dest, f".{name}-import-")
    try:
        _copy_files(spec, source, staging)
        _verify_checksums(spec, source, staging)
        target = _publish(staging, dest / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("imported %s from %s into %s", name, source, target)
    return target


def fetch_dataset(
    name: str,
    dest: Path,
    url: str | None = None,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> Path:
    """Download data set `name` as a .zip archive and import it into `dest/<name>/`.

    `url` defaults to the publisher's archive. `sha256`, when given, is the expected digest
    of the archive itself; the files inside are always checked against the checksum table.
    When the environment variable `UR4REC_<NAME>_SOURCE` (`UR4REC_ML100K_SOURCE`) is set,
    the data set is imported from that path and nothing is downloaded.
    """
    spec = dataset_files(name)
    local_source = os.environ.get(spec.source_env)
    if local_source:
        logger.info(
            "%s is set: importing %s from %s instead of downloading it",
            spec.source_env, name, local_source,
        )
        return import_dataset(name, Path(local_source), dest)

    url = url or spec.url
    expected = _normalize_sha256(sha256) if sha256 is not None else None
    dest = Path(dest)
    _make_directory(dest)
    handle, archive_name = tempfile.mkstemp(prefix=f".{name}-download-", suffix=".zip", dir=dest)
    archive = Path(archive_name)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _download(spec, url, out, progress, timeout)
        if expected is not None and digest != expected:
            raise DataError(
                url,
                f"SHA-256 mismatch of the downloaded archive: expected {expected}, got {digest}; "
                "check the URL and the --sha256 value",
            )
        logger.info("downloaded %s (%d bytes) from %s", name, archive.stat().st_size, url)
        return import_dataset(name, archive, dest)
    finally:
        archive.unlink(missing_ok=True)


def ensure_dataset(name: str, data_dir: Path) -> Path:
    """Return the folder that contains data set `name`, fetching it into `data_dir` if absent.

    `data_dir/<name>/` and `data_dir` itself are searched for the files the reader needs.
    Fetching honours `UR4REC_<NAME>_SOURCE` like `fetch_dataset`.
    """
    dataset_files(name)  # raises for an unknown name
    found = locate_dataset(name, data_dir)
    if found is not None:
        return found
    logger.info("%s not found in %s; fetching it", name, data_dir)
    return fetch_dataset(name, data_dir)


def locate_dataset(name: str, data_dir: Path) -> Path | None:
    """Return `data_dir/<name>` or `data_dir`, whichever contains the files of data set `name`.

    Returns None when neither does or when `name` is not a data set that `fetch_dataset` supports.
    """
    spec = DATASETS.get(name)
    if spec is None:
        return None
    data_dir = Path(data_dir)
    for candidate in (data_dir / name, data_dir):
        if all((candidate / file_name).is_file() for file_name in spec.required):
            return candidate
    return None


def dataset_files(name: str) -> DatasetFiles:
    """Return the description of data set `name`, raising `DataError` for an unknown name."""
    spec = DATASETS.get(name)
    if spec is None:
        raise DataError(
            name, f"unknown data set {name!r}; fetch and import support {', '.join(DATASETS)}"
        )
    return spec


def sha256_file(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            hasher.update(chunk)
    return hasher.hexdigest()


def _copy_files(spec: DatasetFiles, source: Path, staging: Path) -> None:
    if not source.exists():
        raise DataError(
            source, f"not found; pass the unpacked {spec.name} folder or its .zip archive"
        )
    if source.is_dir():
        _copy_from_directory(spec, source, staging)
    elif zipfile.is_zipfile(source):
        _extract_from_zip(spec, source, staging)
    else:
        raise DataError(
            source, f"neither a folder nor a .zip archive; pass the {spec.name} folder or zip"
        )


def _copy_from_directory(spec: DatasetFiles, source: Path, staging: Path) -> None:
    folder = source / spec.name if (source / spec.name).is_dir() else source
    for file_name in spec.checksums:
        origin = folder / file_name
        if not origin.is_file():
            raise DataError(origin, f"missing file {file_name}; the folder must contain all of "
                                    f"{', '.join(spec.checksums)}")
        try:
            shutil.copyfile(origin, staging / file_name)
        except OSError as err:
            raise DataError(origin, f"cannot copy the file: {err.strerror or err}") from err


def _extract_from_zip(spec: DatasetFiles, source: Path, staging: Path) -> None:
    try:
        with zipfile.ZipFile(source) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            for file_name in spec.checksums:
                member = _find_member(source, members, file_name)
                if member.file_size > MAX_MEMBER_BYTES:
                    raise DataError(f"{source}/{member.filename}",
                                    f"the file is {member.file_size} bytes, larger than the "
                                    f"{MAX_MEMBER_BYTES} bytes allowed for {spec.name}")
                with archive.open(member) as stream, (staging / file_name).open("wb") as out:
                    shutil.copyfileobj(stream, out, _CHUNK_BYTES)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
        raise DataError(
            source, f"damaged or unsupported zip archive ({err}); download it again"
        ) from err
    except OSError as err:
        raise DataError(source, f"cannot extract the archive: {err.strerror or err}") from err


def _find_member(source: Path, members: list[zipfile.ZipInfo], file_name: str) -> zipfile.ZipInfo:
    # The file may sit at the top of the archive or in a folder such as ml-100k/.
    matches = [m for m in members if PurePosixPath(m.filename).name == file_name]
    if not matches:
        raise DataError(source, f"the archive contains no {file_name}; is it the right data set?")
    return min(matches, key=lambda m: m.filename.count("/"))


def _verify_checksums(spec: DatasetFiles, source: Path, staging: Path) -> None:
    for file_name, accepted in spec.checksums.items():
        actual = sha256_file(staging / file_name)
        if actual not in accepted:
            raise DataError(
                source / file_name,
                f"SHA-256 mismatch for {file_name}: expected {' or '.join(accepted)}, "
                f"got {actual}; "
                f"the file is damaged or not from the {spec.name} release. "
                f"Fetch a fresh copy with `ur4rec data fetch {spec.name}`",
            )


def _publish(staging: Path, target: Path) -> Path:
    try:
        if not target.exists():
            os.replace(staging, target)
            return target
        # A folder cannot be renamed onto a non-empty folder, so move the old one aside first.
        trash = _make_staging_directory(target.parent, f".{target.name}-old-")
        os.replace(target, trash / target.name)
        try:
            os.replace(staging, target)
        except OSError:
            os.replace(trash / target.name, target)
            raise
        shutil.rmtree(trash, ignore_errors=True)
        return target
    except OSError as err:
        raise DataError(
            target, f"cannot move the imported files into place: {err.strerror or err}"
        ) from err


def _download(
    spec: DatasetFiles, url: str, out: BinaryIO, progress: ProgressCallback | None, timeout: float
) -> str:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DataError(url, "only http:// and https:// URLs can be downloaded; "
                             "for a local file use `ur4rec data import` instead")
    request = urllib.request.Request(url, headers={"User-Agent": f"ur4rec/{__version__}"})
    hasher = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            if progress is not None:
                progress(0, total)
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
    except urllib.error.HTTPError as err:
        raise DataError(
            url, f"download failed with HTTP {err.code} {err.reason}; check the URL"
        ) from err
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        reason = getattr(err, "reason", None) or err
        raise DataError(
            url,
            f"download failed ({reason}); check the network connection, or import a local copy "
            f"with `ur4rec data import {spec.name} --source DIR_OR_ZIP` or by setting "
            f"{spec.source_env}",
        ) from err
    if total and received != total:
        raise DataError(
            url, f"download incomplete: received {received} of {total} bytes; try again"
        )
    return hasher.hexdigest()


def _normalize_sha256(sha256: str) -> str:
    digest = sha256.strip().lower()
    if not _SHA256_HEX.fullmatch(digest):
        raise DataError("sha256", f"{sha256!r} is not a SHA-256 digest; expected 64 hex digits")
    return digest


def _make_staging_directory(parent: Path, prefix: str) -> Path:
    # Unlike tempfile.mkdtemp (mode 0700), mkdir applies the umask, so the published
    # folder gets the same permissions as any other folder the user creates.
    path = parent / f"{prefix}{uuid.uuid4().hex}"
    try:
        path.mkdir()
    except OSError as err:
        raise DataError(path, f"cannot create the folder: {err.strerror or err}") from err
    return path


def _make_directory(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(path, f"cannot create the folder: {err.strerror or err}") from err
