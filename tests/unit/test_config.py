from __future__ import annotations

import pytest

from chalicelib.config import ENVIRONMENT_VARIABLES, Settings, SettingsError, settings_from_environment


def test_defaults_need_no_environment() -> None:
    settings = settings_from_environment({})
    assert settings.stage == "dev"
    assert settings.database_url is None
    assert settings.db_pool_size == 1  # one invocation at a time per Lambda container


def test_libpq_urls_are_rewritten_to_pg8000() -> None:
    settings = settings_from_environment({"DATABASE_URL": "postgresql://app@db:5432/ptx"})
    assert settings.database_url == "postgresql+pg8000://app@db:5432/ptx"


def test_other_drivers_are_refused_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        settings_from_environment({"DATABASE_URL": "sqlite:///x.db"})


def test_bad_number_names_the_variable_and_hides_the_value() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_environment({"DB_POOL_SIZE": "lots", "DATABASE_URL": "postgresql://u:s3cret@h/db"})
    assert "DB_POOL_SIZE" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_region_falls_back_to_aws_default_region() -> None:
    assert settings_from_environment({"AWS_DEFAULT_REGION": "eu-west-1"}).aws_region == "eu-west-1"
    assert (
        settings_from_environment({"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "eu-west-1"}).aws_region
        == "us-east-2"
    )


def test_every_variable_maps_to_a_settings_field() -> None:
    assert set(ENVIRONMENT_VARIABLES.values()) <= set(Settings.model_fields)


def test_readme_documents_every_variable() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [name for name in ENVIRONMENT_VARIABLES if f"`{name}`" not in readme]
    assert not missing, f"README configuration table lacks {missing}"
