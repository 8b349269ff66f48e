"""Settings: every field named by its environment variable, read from the
environment a runtime hands over and from nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from core.settings import ENV_NAMES, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_field_has_its_own_variable_and_the_readme_names_it() -> None:
    assert set(ENV_NAMES) == set(Settings.model_fields)
    assert len(set(ENV_NAMES.values())) == len(ENV_NAMES)
    readme = README.read_text()
    for name in ENV_NAMES.values():
        assert f"`{name}`" in readme, name


def test_the_process_environment_is_read_only_when_handed_over(monkeypatch) -> None:
    monkeypatch.setenv("CREATOR_EDGE_RATE_LIMIT", "7")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")
    assert Settings().rate_limit == 100 and Settings().redis_url is None
    assert Settings.from_env({}).redis_url is None
    import os

    assert Settings.from_env(os.environ).rate_limit == 7


def test_strings_parse_blank_is_unset_and_overrides_win() -> None:
    settings = Settings.from_env(
        {
            "CREATOR_EDGE_DEV": "TRUE",
            "CREATOR_EDGE_RUN_CRON": "0",
            "CREATOR_EDGE_RATE_WINDOW": "30",
            "CREATOR_EDGE_CLIENT_IP_HEADER": "",
            "CREATOR_EDGE_SECRET_KEY": "s" * 32,
            "SOMETHING_ELSE": "ignored",
        },
        rate_window=10,
    )
    assert settings.dev is True and settings.run_cron is False
    assert settings.rate_window == 10 and settings.client_ip_header is None
    assert settings.secret_key is not None and "s" * 32 not in repr(settings)


@pytest.mark.parametrize(
    "env",
    [
        {"CREATOR_EDGE_DEV": "perhaps"},
        {"CREATOR_EDGE_RATE_LIMIT": "0"},
        {"CREATOR_EDGE_MAX_BODY_BYTES": "lots"},
    ],
)
def test_a_bad_value_is_refused_by_its_variable_name(env) -> None:
    with pytest.raises(ValidationError, match=next(iter(env))):
        Settings.from_env(env)


def test_an_unknown_override_is_refused() -> None:
    with pytest.raises(ValidationError, match="rate_limt"):
        Settings.from_env({}, rate_limt=5)


@given(st.integers(min_value=1, max_value=2**31))
def test_numbers_round_trip_through_their_variable(value: int) -> None:
    assert Settings.from_env({"CREATOR_EDGE_RATE_LIMIT": str(value)}).rate_limit == value
