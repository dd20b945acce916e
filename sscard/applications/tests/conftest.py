"""Fixtures of the photo tests: a photo directory per test, and images made by Pillow."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def photos_dir(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "photos"
    settings.SSCARD_PHOTOS_DIR = path
    return path


def noise_image(width: int, height: int, *, seed: int = 1, mode: str = "RGB") -> Image.Image:
    """An image of random pixels: it does not compress, so its file size is predictable."""
    rng = random.Random(seed)
    bands = len(mode)
    return Image.frombytes(mode, (width, height), rng.randbytes(width * height * bands))


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()
