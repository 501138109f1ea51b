"""Settings come from environment variables, typed, with a plain error for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.platform.settings import Settings, SettingsError


def test_environment_values_are_converted_to_their_types() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://db/x",
            "NATS_URL": "nats://n:4222",
            "SKILLSREG_PORT": "9000",
            "SKILLSREG_DATA_DIR": "/var/lib/skillsreg",
            "SKILLSREG_CONSUMER_ACK_WAIT": "12.5",
            "SKILLSREG_LOAD_BASELINE": "false",
        }
    )
    assert (settings.database_url, settings.nats_url) == ("postgresql://db/x", "nats://n:4222")
    assert settings.port == 9000
    assert settings.data_dir == Path("/var/lib/skillsreg")
    assert settings.consumer_ack_wait == 12.5
    assert settings.load_baseline is False


def test_defaults_point_at_the_embedded_servers() -> None:
    settings = Settings.from_env({}).resolved()
    assert settings.database_url == "postgresql://postgres@127.0.0.1:15432/skillsreg"
    assert settings.nats_url == "nats://127.0.0.1:14222"


def test_a_bad_value_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="port"):
        Settings.from_env({"SKILLSREG_PORT": "eighty"})
