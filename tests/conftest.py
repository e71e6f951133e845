import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download at test time


@pytest.fixture(autouse=True)
def _seed():
    import torch

    torch.manual_seed(0)
