"""Unpacks a cohort archive (our stored zip or POSIX ustar) into a folder, refusing any entry that
would land outside it or that is not a regular file."""
from __future__ import annotations

import shutil
import tarfile
import zipfile
from pathlib import Path
from typing import IO, List

from .errors import ArchiveError


def path_inside(root: Path, name: str) -> Path:
    """Where an archive-relative name lands under `root`; refuses names that would escape it."""
    base = root.resolve()
    target = (base / name).resolve()
    if "\\" in name or base not in target.parents:
        raise ArchiveError(f'archive entry "{name}" would be written outside {root}')
    return target


def _copy(source: IO[bytes], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        shutil.copyfileobj(source, out)


def _unzip(archive: Path, dest: Path) -> List[str]:
    names: List[str] = []
    try:
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                target = path_inside(dest, info.filename)
                # zipfile checks each entry's CRC-32 as it reads it.
                with z.open(info) as src:
                    _copy(src, target)
                names.append(info.filename)
    except (zipfile.BadZipFile, EOFError) as e:
        raise ArchiveError(f"{archive}: not a complete zip archive ({e})") from e
    return names


def _untar(archive: Path, dest: Path) -> List[str]:
    names: List[str] = []
    try:
        with tarfile.open(archive, "r:") as t:
            for member in t:
                if not member.isreg():
                    raise ArchiveError(f'tar entry "{member.name}" is not a regular file; a cohort archive holds only files')
                target = path_inside(dest, member.name)
                src = t.extractfile(member)
                if src is None:
                    raise ArchiveError(f'tar entry "{member.name}" has no data')
                with src:
                    _copy(src, target)
                names.append(member.name)
    except (tarfile.TarError, EOFError) as e:
        raise ArchiveError(f"{archive}: not a complete tar archive ({e})") from e
    return names


def extract_archive(archive: Path, fmt: str, dest: Path) -> List[str]:
    """Unpacks `archive` ("zip" or "tar") into `dest`; returns the names of the files written."""
    return _untar(archive, dest) if fmt == "tar" else _unzip(archive, dest)
