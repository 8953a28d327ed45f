"""gradiend-toy: a tabular modality with a small MLP, written the way a third-party plugin would be."""

from gradiend_toy.data import ToyData, make_toy_data
from gradiend_toy.model import ToyMLP, train_toy_mlp
from gradiend_toy.trainer import ToyTrainer

__all__ = ["ToyData", "ToyMLP", "ToyTrainer", "make_toy_data", "train_toy_mlp"]
