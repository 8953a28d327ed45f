"""The toy base model: a two-layer MLP classifier, trained in a second on the synthetic data."""

from __future__ import annotations

import torch
from torch import nn

from gradiend_toy.data import ToyData


class ToyMLP(nn.Module):
    """``Linear(dim, hidden) -> tanh -> Linear(hidden, hidden) -> tanh -> Linear(hidden, classes)``."""

    def __init__(self, dim: int = 16, hidden: int = 128, num_classes: int = 4) -> None:
        super().__init__()
        self.dim, self.hidden, self.num_classes = dim, hidden, num_classes
        self.body = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits."""
        return self.head(self.body(x))


def train_toy_mlp(data: ToyData, seed: int = 0, epochs: int = 60) -> ToyMLP:
    """Train on the train split with full-batch Adam; about a second on a CPU."""
    torch.manual_seed(seed)
    model = ToyMLP(dim=data.features.shape[1], num_classes=len(data.class_names))
    mask = torch.from_numpy(data.splits == "train")
    x, y = data.features[mask], data.labels[mask]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()
    return model


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Top-1 accuracy."""
    with torch.no_grad():
        return float((model(x).argmax(dim=-1) == y).float().mean())
