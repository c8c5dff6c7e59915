from __future__ import annotations

from pathlib import Path

import pytest

from local.postgres import PostgresNotFound, find_pg_bin_dir


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
