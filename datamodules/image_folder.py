"""Any folder of images: ``root/<class>/<image>``, or ``train/``, ``val/``, ``test/`` sub-folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from torch.utils.data import Dataset

from .base import DataError, DataRootError, DataSpec, SpecError, register_datamodule
from .concepts import ConceptDataError, read_concept_table
from .images import (
    IMAGE_EXTENSIONS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    ImageFileDataset,
    RootedDataModule,
    as_size,
    class_dirs,
    image_mode,
    list_images,
    photo_augmentation,
    stratified_split,
    unreadable_images,
)


@register_datamodule("image_folder")
class ImageFolderDataModule(RootedDataModule):
    """A generic ``root/<class>/<image>`` tree.

    With ``root/train/`` and ``root/test/`` (and optionally ``root/val/``) those folders are the splits;
    otherwise the one tree is split by class with ``split_seed``: ``val_fraction`` and ``test_fraction`` of
    each class (defaults 70/10/20). Images are converted to ``channels`` (1 or 3) and resized to
    ``image_size``. Augmentation: a random 70-100% crop, plus a horizontal flip if ``hflip``. ``mean`` and
    ``std`` default to ImageNet's statistics (their channel average for grayscale). Class names come from the
    folder names, so the spec needs the root. ``concepts_file``: a CSV of concept labels (``id,<concept>,...``,
    ids the image paths relative to ``root``, values 0/1 or empty where unknown; ``read_concept_table``) that
    fills ``spec.concept_names`` and every item's ``concepts``; a row missing for an image, an unknown id or a
    value other than 0/1 is an error.
    """

    location_args = ("root", "download", "concepts_file")

    def __init__(self, root: str | Path, image_size: int | Sequence[int] = 224, channels: int = 3,
                 name: str = "image_folder", mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None, hflip: bool = True, val_fraction: float = 0.1,
                 test_fraction: float = 0.2, split_seed: int = 0, augment: bool = True,
                 download: bool = False, check_images: bool = True, skip_unreadable: bool = False,
                 concepts_file: str | None = None, batch_size: int = 64, eval_batch_size: int | None = None,
                 num_workers: int = 0):
        super().__init__(root, download, val_fraction, split_seed, augment, batch_size, eval_batch_size,
                         num_workers)
        image_mode(channels)
        # Every file is decoded once before training (check_images): a corrupt one stops setup with its name,
        # or is left out and listed in ``skipped`` (skip_unreadable), instead of failing mid-epoch.
        self.check_images, self.skip_unreadable = check_images, skip_unreadable
        self.skipped: list[str] = []
        if not 0 < test_fraction < 1 - val_fraction:
            raise ValueError(f"need 0 < test_fraction < 1 - val_fraction, got {test_fraction} and "
                             f"{val_fraction}")
        self.name, self.channels, self.size, self.hflip = name, channels, as_size(image_size), hflip
        self.input_shape = (channels, *self.size)
        gray_mean, gray_std = (sum(IMAGENET_MEAN) / 3,), (sum(IMAGENET_STD) / 3,)
        self.mean = tuple(mean) if mean is not None else (IMAGENET_MEAN if channels == 3 else gray_mean)
        self.std = tuple(std) if std is not None else (IMAGENET_STD if channels == 3 else gray_std)
        if len(self.mean) != channels or len(self.std) != channels:
            raise ValueError(f"mean and std need {channels} value(s) each, got {self.mean} and {self.std}")
        self.test_fraction = test_fraction
        self.concepts_file = None if concepts_file is None else Path(concepts_file)
        self._validation: Dataset | None = None  # a val/ folder, or the one tree's validation part

    @property
    def has_split_folders(self) -> bool:
        return (self.root / "train").is_dir()

    @property
    def class_root(self) -> Path:
        return self.root / "train" if self.has_split_folders else self.root

    def expected_files(self):
        if self.has_split_folders:
            return [(self.root / split / "<class>" / "<image>",) for split in ("train", "test")]
        return [(self.root / "<class>" / "<image>", self.root / "train" / "<class>" / "<image>")]

    def missing_files(self, files=None):
        if self.has_split_folders:
            return [(self.root / split / "<class>" / "<image>",) for split in ("train", "test")
                    if not (self.root / split).is_dir() or not class_dirs(self.root / split)]
        if (self.root / "test").is_dir() or (self.root / "val").is_dir():
            return [(self.root / "train" / "<class>" / "<image>",)]  # split folders without train/
        return [] if self.root.is_dir() and class_dirs(self.root) else self.expected_files()

    def how_to_get(self) -> str:
        return (f"arrange your images as {self.root}/<class>/<image> (split here by class with seed "
                f"{self.split_seed}), or as {self.root}/train/<class>/<image> and "
                f"{self.root}/test/<class>/<image> (optionally {self.root}/val/<class>/<image>); "
                f"extensions {', '.join(IMAGE_EXTENSIONS)}.")

    def download_data(self) -> None:
        raise DataRootError(f"image_folder reads your own images, so download=True has nothing to fetch. "
                            f"{self.how_to_get()}")

    @classmethod
    def default_spec(cls) -> DataSpec:
        raise SpecError("image_folder takes its classes from the folder names: build the model with the "
                        "datamodule's spec (create_model(name, spec=create_datamodule('image_folder', "
                        "root=...).spec))")

    def build_spec(self) -> DataSpec:
        self.check_root()
        self.class_names = [p.name for p in class_dirs(self.class_root)]
        layout = ("train/test folders" + (" + val folder" if (self.root / "val").is_dir() else "")
                  if self.has_split_folders else "one folder, split by class")
        concept_names = None
        if self.concepts_file is not None:
            if not self.concepts_file.is_file():
                raise DataRootError(f"image_folder: concepts_file {self.concepts_file} does not exist")
            with open(self.concepts_file, encoding="utf-8") as f:
                concept_names = [name.strip() for name in f.readline().rstrip("\n").split(",")[1:]]
            if not concept_names:
                raise ConceptDataError(f"{self.concepts_file}: expected a header 'id,<concept 1>,<concept 2>,...'")
        return DataSpec(
            name=self.name, input_shape=self.input_shape, num_classes=len(self.class_names),
            class_names=self.class_names, mean=self.mean, std=self.std, concept_names=concept_names,
            concept_types=None if concept_names is None else ["binary"] * len(concept_names),
            preprocessing={"source": f"image folder {self.root.name!r}", "layout": layout, "scale": "x / 255",
                           "channels": image_mode(self.channels), "resize": list(self.size),
                           "interpolation": "bilinear (PIL, antialiased)", "val_fraction": self.val_fraction,
                           "test_fraction": None if self.has_split_folders else self.test_fraction,
                           "split_seed": self.split_seed},
        )

    def scan(self, folder: Path) -> ImageFileDataset:
        index = {name: i for i, name in enumerate(self.spec.class_names)}
        unknown = [p.name for p in class_dirs(folder) if p.name not in index]
        if unknown:
            raise DataRootError(f"image_folder: {folder} has class folder(s) {unknown} that "
                                f"{self.class_root} lacks; every class needs training images.")
        paths, labels = [], []
        for class_dir in class_dirs(folder):
            files = list_images(class_dir)
            paths += files
            labels += [index[class_dir.name]] * len(files)
        bad = unreadable_images(paths) if self.check_images else []
        if bad and not self.skip_unreadable:
            listed = "; ".join(f"{p}: {reason}" for p, reason in bad[:5])
            raise DataError(f"image_folder: {len(bad)} of the {len(paths)} images under {folder} cannot be read "
                            f"({listed}); fix or remove them, or pass skip_unreadable=true")
        if bad:
            drop = {p for p, _ in bad}
            self.skipped += sorted(str(p) for p in drop)
            kept = [(p, y) for p, y in zip(paths, labels) if p not in drop]
            paths, labels = [p for p, _ in kept], [y for _, y in kept]
        return ImageFileDataset(paths, labels, self.channels, self.size)

    def load_official(self):
        train, labels, test = self._load_files()
        if self.concepts_file is not None:
            datasets = [train, test] + ([self._validation] if self._validation is not None else [])
            ids = [p.relative_to(self.root).as_posix() for d in datasets for p in d.paths]
            _, table = read_concept_table(self.concepts_file, ids, self.spec.concept_names)
            start, with_concepts = 0, []
            for dataset in datasets:
                with_concepts.append(WithConcepts(dataset, table[start:start + len(dataset)]))
                start += len(dataset)
            train, test = with_concepts[:2]
            if self._validation is not None:
                self._validation = with_concepts[2]
        return train, labels, test

    def _load_files(self):
        train = self.scan(self.class_root)
        present = set(train.labels.tolist())
        empty = [n for i, n in enumerate(self.spec.class_names) if i not in present]
        if empty:
            raise DataRootError(f"image_folder: class folder(s) {empty} under {self.class_root} hold no "
                                f"images. {self.how_to_get()}")
        if self.has_split_folders:
            self._validation = self.scan(self.root / "val") if (self.root / "val").is_dir() else None
            return train, train.labels, self.scan(self.root / "test")
        # one tree: split once, by class, with both fractions taken of the whole tree
        rest, val, test = stratified_split(train.labels, (self.val_fraction, self.test_fraction),
                                           self.split_seed)
        self._validation = subset_files(train, val)
        return subset_files(train, rest), train.labels[rest], subset_files(train, test)

    def official_validation(self):
        return self._validation

    def train_augmentation(self):
        return photo_augmentation(self.size, self.hflip)


class WithConcepts(Dataset):
    """An image dataset whose items also carry their row of a concept table."""

    def __init__(self, dataset: ImageFileDataset, concepts):
        self.dataset, self.concepts, self.paths = dataset, concepts, dataset.paths

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int):
        return {**self.dataset[i], "concepts": self.concepts[i]}


def subset_files(dataset: ImageFileDataset, indices: Sequence[int]) -> ImageFileDataset:
    return ImageFileDataset([dataset.paths[i] for i in indices], dataset.labels[list(indices)].tolist(),
                            dataset.channels, dataset.size)
