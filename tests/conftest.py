"""Shared fixtures: the base encoder is built once per test session into the normal cache."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def base_model_dir() -> str:
    from models.config import ModelConfig
    from models.encoder import base_model_path

    config = ModelConfig()
    return base_model_path(config.base_model, config.cache_dir)
