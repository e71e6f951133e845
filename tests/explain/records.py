"""Explanation records and models made by hand for the exporter tests."""

from __future__ import annotations

import numpy as np
import torch

from models.explanation import Evidence, Explanation

H, W = 16, 12  # a non-square image catches (H, W) / (W, H) mix-ups


def make_record(i: int, with_maps: bool = True, channels: int = 1) -> Explanation:
    generator = torch.Generator().manual_seed(i)
    image = torch.rand(H, W, channels, generator=generator).numpy()
    similarity = torch.rand(4, 3, generator=generator).numpy()  # a (H', W') map on the feature grid
    contributions = np.array([0.5, -0.25, 1.0, 0.125])
    outputs = np.array([0.0, contributions.sum() + 0.1])
    return Explanation(kind="prototype", output="logit", outputs=outputs, prediction=1, explained_class=1,
                       contributions=contributions, num_units=4, bias=0.1, target=1, input_id=f"img/{i}",
                       evidence=[Evidence("prototype 2", 2, 1.0, 0.9, 1.1), Evidence("prototype 0", 0, 0.5, 0.4, 1.2)],
                       image=image if with_maps else None,
                       unit_maps={2: similarity, 0: similarity * 2} if with_maps else {},
                       class_names=["a", "b"])


def temp_files(folder) -> list:
    return [p for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
