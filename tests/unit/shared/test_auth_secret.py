"""The deployment's token key: any key in development, a real one in production."""

import pytest

from gonghui.shared.auth import AuthError, auth_secret


@pytest.mark.parametrize("key", ["gonghui-dev-auth-secret", "short"])
def test_production_refuses_placeholder_keys(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("GONGHUI_ENVIRONMENT", "production")
    monkeypatch.setenv("GONGHUI_AUTH_SECRET", key)
    with pytest.raises(AuthError, match="placeholder"):
        auth_secret()


def test_production_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGHUI_ENVIRONMENT", "production")
    monkeypatch.delenv("GONGHUI_AUTH_SECRET")
    with pytest.raises(AuthError, match="set GONGHUI_AUTH_SECRET"):
        auth_secret()


def test_a_real_key_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGHUI_ENVIRONMENT", "production")
    monkeypatch.setenv("GONGHUI_AUTH_SECRET", "k" * 48)
    assert auth_secret() == "k" * 48
