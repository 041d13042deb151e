"""Unpacking refuses archives that would write outside the cohort folder or hold non-files, and a
damaged archive left by an earlier pull is named with what to do."""
from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from synthbus import ArchiveError, Client, Cohort, Order
from synthbus.archive import extract_archive


def test_a_zip_entry_escaping_the_folder_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("images/3/000000.png", b"fine")
        z.writestr("../outside.png", b"evil")
    with pytest.raises(ArchiveError, match=r'"\.\./outside\.png" would be written outside'):
        extract_archive(archive, "zip", tmp_path / "cohort")
    assert not (tmp_path / "outside.png").exists()


def test_a_tar_link_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w", format=tarfile.USTAR_FORMAT) as t:
        link = tarfile.TarInfo("images/3/000000.png")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        t.addfile(link, io.BytesIO())
    with pytest.raises(ArchiveError, match="not a regular file"):
        extract_archive(archive, "tar", tmp_path / "cohort")


def test_pull_names_a_damaged_archive_and_the_way_out(client: Client, small_order: Order, cohort_copy: Cohort) -> None:
    archive = cohort_copy.path / ".synthbus" / f"synthbus-{small_order.id}.zip"
    archive.write_bytes(archive.read_bytes()[:-100])  # the end-of-central-directory record is gone
    with pytest.raises(ArchiveError, match="pull again"):
        client.pull(small_order.id, cohort_copy.path, progress=False)
