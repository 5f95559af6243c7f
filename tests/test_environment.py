"""Chromium flags the app adds never override what the user set."""

from __future__ import annotations

import pytest

from viewer.app import add_chromium_flag


def test_flag_is_appended_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--foo")
    add_chromium_flag("--js-flags=--optimize-for-size")
    add_chromium_flag("--js-flags=--optimize-for-size")
    import os

    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == "--foo --js-flags=--optimize-for-size"


def test_users_value_of_a_switch_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--js-flags=--max-old-space-size=64")
    add_chromium_flag("--js-flags=--optimize-for-size")
    import os

    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == "--js-flags=--max-old-space-size=64"
