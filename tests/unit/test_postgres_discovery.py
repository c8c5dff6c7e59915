from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from local.postgres import PostgresNotFound, account_can_enter, find_pg_bin_dir, reachable_data_dir, shared_data_dir


def test_missing_binaries_raise_an_error_that_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(PostgresNotFound) as caught:
        find_pg_bin_dir(search_globs=(), path=str(tmp_path))
    message = str(caught.value)
    assert "apt-get install -y postgresql" in message
    assert "TEST_DATABASE_URL" in message


def test_versioned_install_dirs_are_found_newest_first(tmp_path: Path) -> None:
    for version in ("13", "16", "9.6"):
        bin_dir = tmp_path / "lib" / "postgresql" / version / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "initdb").touch()
        (bin_dir / "postgres").touch()
    found = find_pg_bin_dir(search_globs=(f"{tmp_path}/lib/postgresql/*/bin",), path=str(tmp_path / "empty"))
    assert found == tmp_path / "lib" / "postgresql" / "16" / "bin"


def test_path_wins_over_well_known_places(tmp_path: Path) -> None:
    on_path = tmp_path / "custom"
    on_path.mkdir()
    for name in ("initdb", "postgres"):
        (on_path / name).touch(mode=0o755)
    assert find_pg_bin_dir(search_globs=(), path=str(on_path)) == on_path


def test_the_shared_data_dir_is_stable_per_folder_and_differs_between_folders(tmp_path: Path) -> None:
    first = shared_data_dir(tmp_path / "a" / ".local", root=tmp_path / "var")
    assert first == shared_data_dir(tmp_path / "a" / ".local", root=tmp_path / "var")  # the same place on restart
    assert first != shared_data_dir(tmp_path / "b" / ".local", root=tmp_path / "var")
    assert first.name == "pgdata" and first.parent.name.startswith("ptx-cm-")


def test_a_private_folder_moves_the_data_as_root_and_a_reachable_one_keeps_it() -> None:
    base = Path(tempfile.mkdtemp(prefix="ptx-unit-"))  # not under pytest's own 0700 folder
    try:
        base.chmod(0o755)
        private = base / "private"
        (private / "ptx" / ".local").mkdir(parents=True)
        private.chmod(0o700)
        reachable = base / "open" / "ptx" / ".local"
        reachable.mkdir(parents=True)
        asked = private / "ptx" / ".local" / "pgdata"
        chosen = reachable_data_dir(asked, root=base / "var")
        if os.geteuid() == 0:  # the server runs as `postgres`, which cannot enter `private`
            assert chosen == shared_data_dir(private / "ptx" / ".local", root=base / "var")
        else:  # the server runs as us
            assert chosen == asked
        assert reachable_data_dir(reachable / "pgdata", root=base / "var") == reachable / "pgdata"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_normal_user_keeps_the_data_where_asked(tmp_path: Path) -> None:
    assert account_can_enter(None, tmp_path / "anything")
