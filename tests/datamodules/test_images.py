"""Rooted image datamodules on tiny fixtures written here in each dataset's real on-disk format."""

import gzip
import pickle
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from datamodules import DataRootError, DataSpec, create_datamodule
from datamodules.cifar import CIFAR10_NAMES, CIFAR100_COARSE_NAMES, CIFAR100_NAMES
from datamodules.concepts import ConceptDataError
from datamodules.images import load_images_for_spec, stratified_split
from datamodules.mnist import read_idx

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")


# ---- fixture writers ------------------------------------------------------------------------------------
def write_idx(path, array: np.ndarray, compress: bool) -> None:
    """IDX: magic 0x00 0x00 0x08 (ubyte) ndim, big-endian int32 dims, then the bytes."""
    payload = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}i", *array.shape)
    payload += array.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


def idx_arrays(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), np.arange(n, dtype=np.uint8) % 10


def write_idx_dataset(root, folder: str, compress: bool, n_train: int = 40, n_test: int = 10):
    (train_x, train_y), (test_x, test_y) = idx_arrays(n_train, 0), idx_arrays(n_test, 1)
    raw = root / folder / "raw"
    for name, array in zip(IDX_FILES, (train_x, train_y, test_x, test_y)):
        write_idx(raw / name, array, compress)
    return train_x, train_y, test_x, test_y


def cifar_images(n: int, seed: int) -> np.ndarray:
    """(n, 3072) rows as in the CIFAR files: the 1024 red values, then green, then blue."""
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3072), dtype=np.uint8)


def dump(path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def write_cifar10(root, names=CIFAR10_NAMES):
    folder = root / "cifar-10-batches-py"
    batches = []
    for i in range(1, 6):
        data, labels = cifar_images(4, i), [(4 * (i - 1) + k) % 10 for k in range(4)]
        dump(folder / f"data_batch_{i}", {b"batch_label": b"training", b"data": data, b"labels": labels})
        batches.append((data, labels))
    test = cifar_images(10, 9)
    dump(folder / "test_batch", {b"data": test, b"labels": list(range(10))})
    dump(folder / "batches.meta", {b"label_names": [n.encode() for n in names], b"num_vis": 3072})
    return batches, test


def write_cifar100(root):
    folder = root / "cifar-100-python"
    train = cifar_images(30, 0)
    fine = [(7 * k) % 100 for k in range(30)]
    coarse = [k % 20 for k in range(30)]
    dump(folder / "train", {b"data": train, b"fine_labels": fine, b"coarse_labels": coarse})
    dump(folder / "test", {b"data": cifar_images(5, 1), b"fine_labels": [0, 1, 2, 3, 99],
                           b"coarse_labels": [0, 1, 2, 3, 19]})
    dump(folder / "meta", {b"fine_label_names": [n.encode() for n in CIFAR100_NAMES],
                           b"coarse_label_names": [n.encode() for n in CIFAR100_COARSE_NAMES]})
    return train, fine


def write_folder(root, classes=("cat", "dog", "owl"), per_class: int = 10):
    """Images of mixed sizes and modes (RGB JPEG, grayscale PNG, RGBA PNG); class k is filled with value
    60 * (k + 1) so the label can be read back from the pixels."""
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            value = 60 * (k + 1)
            if i % 3 == 0:
                Image.new("RGB", (20 + i, 15), (value,) * 3).save(root / name / f"{i}.jpg", quality=95)
            elif i % 3 == 1:
                Image.new("L", (9, 30), value).save(root / name / f"{i}.png")
            else:
                Image.new("RGBA", (16, 16), (value, value, value, 255)).save(root / name / f"{i}.png")


def check_splits(dm):
    train, val = dm.train_eval_set.indices, dm.val_set.indices
    assert dm.train_set.indices == train and dm.train_eval_set.dataset is dm.val_set.dataset
    assert not set(train) & set(val)
    return train, val


# ---- IDX: MNIST, Fashion-MNIST, KMNIST ------------------------------------------------------------------
def test_read_idx_gz_and_raw_agree_and_reject_bad_magic(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a", array, compress=True)
    write_idx(tmp_path / "b", array, compress=False)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "b"), array)
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x01" + struct.pack(">i", 1) + b"\x00")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(struct.pack(">BBBBi", 0, 0, 8, 1, 5) + b"\x00\x00")
    with pytest.raises(ValueError, match="promises shape"):
        read_idx(tmp_path / "short")


@pytest.mark.parametrize("name, folder, compress", [("mnist", "MNIST", True),
                                                     ("fashion_mnist", "FashionMNIST", True),
                                                     ("kmnist", "KMNIST", False)])
def test_idx_datamodule_reads_official_splits(tmp_path, name, folder, compress):
    train_x, train_y, test_x, test_y = write_idx_dataset(tmp_path, folder, compress)
    dm = create_datamodule(name, root=tmp_path, val_fraction=0.25)
    dm.setup()
    train, val = check_splits(dm)
    assert len(val) == 10 and len(train) == 30 and sorted(train + val) == list(range(40))
    assert sorted(train_y[val].tolist()) == list(range(10))  # stratified: one of each class
    image, label = dm.train_eval_set[0]["inputs"], dm.train_eval_set[0]["targets"]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32
    assert torch.equal(image[0], torch.from_numpy(train_x[train[0]]).float() / 255)
    assert int(label) == train_y[train[0]]
    assert len(dm.test_set) == 10
    test_batch = next(iter(dm.test_dataloader()))
    test_images, test_labels = test_batch.inputs, test_batch.targets
    assert torch.equal(test_labels, torch.from_numpy(test_y.astype(np.int64)))
    assert torch.equal(test_images[:, 0], torch.from_numpy(test_x).float() / 255)
    assert dm.spec.input_shape == (1, 28, 28) and dm.spec.num_classes == 10 and len(dm.spec.mean) == 1


def test_idx_split_is_deterministic_and_follows_the_seed(tmp_path):
    write_idx_dataset(tmp_path, "MNIST", compress=True)
    splits = []
    for seed in (0, 0, 1):
        dm = create_datamodule("mnist", root=tmp_path, val_fraction=0.25, split_seed=seed)
        dm.setup()
        splits.append(dm.val_set.indices)
    assert splits[0] == splits[1] and splits[0] != splits[2]


def test_training_batches_are_augmented_and_in_range(tmp_path):
    write_idx_dataset(tmp_path, "MNIST", compress=True)
    dm = create_datamodule("mnist", root=tmp_path, batch_size=8)
    dm.setup()
    train_batch = next(iter(dm.train_dataloader()))
    images, labels = train_batch.inputs, train_batch.targets
    assert images.shape == (8, 1, 28, 28) and labels.shape == (8,)
    assert 0 <= images.min() and images.max() <= 1
    assert dm.train_set.transform is not None and dm.train_eval_set.transform is None
    no_aug = create_datamodule("mnist", root=tmp_path, augment=False)
    no_aug.setup()
    assert no_aug.train_set.transform is None


def test_missing_idx_root_says_what_and_how(tmp_path):
    dm = create_datamodule("mnist", root=tmp_path / "nowhere")
    assert dm.spec.class_names[3] == "3"  # the spec needs no data
    with pytest.raises(DataRootError) as error:
        dm.setup()
    message = str(error.value)
    assert "does not exist" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert "download=True" in message and "https://" in message


def test_idx_needs_torchvision_layout_of_its_own_dataset(tmp_path):
    write_idx_dataset(tmp_path, "MNIST", compress=True)
    (tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataRootError, match=r"incomplete[\s\S]*Missing:\n  \S*t10k-images-idx3-ubyte"):
        create_datamodule("mnist", root=tmp_path).setup()
    with pytest.raises(DataRootError, match="FashionMNIST"):  # MNIST's files are not Fashion-MNIST's
        create_datamodule("fashion_mnist", root=tmp_path).setup()


def test_unknown_argument_is_rejected():
    with pytest.raises(TypeError, match="val_fraction"):
        create_datamodule("kmnist", val_fractoin=0.2)


# ---- CIFAR ----------------------------------------------------------------------------------------------
def test_cifar10_reads_pickled_batches(tmp_path):
    batches, test = write_cifar10(tmp_path)
    dm = create_datamodule("cifar10", root=tmp_path, val_fraction=0.5)
    dm.setup()
    train, val = check_splits(dm)
    assert len(train) == len(val) == 10 and sorted(train + val) == list(range(20))
    data = np.concatenate([d for d, _ in batches])
    image, label = dm.train_eval_set[0]["inputs"], dm.train_eval_set[0]["targets"]
    assert image.shape == (3, 32, 32)
    red_plane = torch.from_numpy(data[train[0], :1024].reshape(32, 32)).float() / 255
    assert torch.equal(image[0], red_plane)
    assert int(label) == train[0] % 10
    test_batch = next(iter(dm.test_dataloader()))
    test_images, test_labels = test_batch.inputs, test_batch.targets
    assert test_labels.tolist() == list(range(10))
    assert torch.equal(test_images[3, 2], torch.from_numpy(test[3, 2048:].reshape(32, 32)).float() / 255)
    assert dm.spec.class_names == CIFAR10_NAMES and dm.spec.input_shape == (3, 32, 32)
    batch = next(iter(dm.train_dataloader())).inputs
    assert batch.shape[1:] == (3, 32, 32) and 0 <= batch.min() and batch.max() <= 1


def test_cifar_meta_must_match_the_dataset(tmp_path):
    write_cifar10(tmp_path, names=list(reversed(CIFAR10_NAMES)))
    with pytest.raises(ValueError, match="label_names"):
        create_datamodule("cifar10", root=tmp_path).setup()


def test_cifar100_fine_and_coarse_labels(tmp_path):
    _, fine = write_cifar100(tmp_path)
    dm = create_datamodule("cifar100", root=tmp_path, val_fraction=0.1)
    dm.setup()
    labels = [int(dm.train_eval_set[i]["targets"]) for i in range(len(dm.train_eval_set))]
    assert labels == [fine[i] for i in dm.train_eval_set.indices]
    assert dm.spec.num_classes == 100 and dm.spec.class_names[-1] == "worm"
    assert [int(item["targets"]) for item in dm.test_set] == [0, 1, 2, 3, 99]
    coarse = create_datamodule("cifar100", root=tmp_path, coarse_labels=True)
    coarse.setup()
    assert coarse.spec.num_classes == 20 and [int(item["targets"]) for item in coarse.test_set] == [0, 1, 2, 3, 19]


def test_missing_cifar_root_says_how_to_get_it(tmp_path):
    with pytest.raises(DataRootError) as error:
        create_datamodule("cifar100", root=tmp_path).setup()
    message = str(error.value)
    assert "cifar-100-python" in message and "meta" in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz" in message
    assert "download=True" in message


# ---- image folder ---------------------------------------------------------------------------------------
def test_image_folder_one_tree_is_split_by_class(tmp_path):
    write_folder(tmp_path)
    dm = create_datamodule("image_folder", root=tmp_path, image_size=(12, 16))  # 70/10/20
    assert dm.spec.class_names == ["cat", "dog", "owl"] and dm.spec.input_shape == (3, 12, 16)
    dm.setup()
    assert (len(dm.train_eval_set), len(dm.val_set), len(dm.test_set)) == (21, 3, 6)
    paths = {str(dm.train_eval_set.dataset.paths[i]) for i in dm.train_eval_set.indices}
    paths_val = {str(dm.val_set.dataset.paths[i]) for i in dm.val_set.indices}
    paths_test = {str(p) for p in dm.test_set.dataset.paths}
    assert not paths & paths_val and not paths & paths_test and not paths_val & paths_test
    assert len(paths | paths_val | paths_test) == 30
    for dataset in (dm.train_eval_set, dm.val_set, dm.test_set):
        for item in dataset:
            image, label = item["inputs"], item["targets"]
            assert image.shape == (3, 12, 16) and 0 <= image.min() and image.max() <= 1
            assert abs(float(image.mean()) - 60 * (int(label) + 1) / 255) < 0.02  # the class's fill value
    again = create_datamodule("image_folder", root=tmp_path, image_size=(12, 16))
    again.setup()
    assert [str(p) for p in again.val_set.dataset.paths] == [str(p) for p in dm.val_set.dataset.paths]
    assert [str(p) for p in again.test_set.dataset.paths] == [str(p) for p in dm.test_set.dataset.paths]


def test_image_folder_split_folders_and_grayscale(tmp_path):
    write_folder(tmp_path / "train", per_class=4)
    write_folder(tmp_path / "val", classes=("cat", "owl"), per_class=1)
    write_folder(tmp_path / "test", classes=("dog",), per_class=2)
    dm = create_datamodule("image_folder", root=tmp_path, image_size=8, channels=1)
    dm.setup()
    assert dm.spec.mean is not None and len(dm.spec.mean) == 1
    assert len(dm.train_eval_set) == 12 and len(dm.val_set) == 2 and len(dm.test_set) == 2
    assert [int(item["targets"]) for item in dm.test_set] == [1, 1]  # "dog" keeps its training-folder index
    image = dm.test_set[0]["inputs"]
    assert image.shape == (1, 8, 8)


def test_image_folder_errors(tmp_path):
    with pytest.raises(DataRootError, match=r"<class>[/\\]<image>"):
        _ = create_datamodule("image_folder", root=tmp_path / "nowhere").spec
    write_folder(tmp_path / "train", per_class=1)
    with pytest.raises(DataRootError, match="test"):
        create_datamodule("image_folder", root=tmp_path).setup()
    write_folder(tmp_path / "test", classes=("emu",), per_class=1)
    with pytest.raises(DataRootError, match="emu"):
        create_datamodule("image_folder", root=tmp_path).setup()
    with pytest.raises(DataRootError, match="nothing to fetch"):
        create_datamodule("image_folder", root=tmp_path / "empty", download=True).setup()


def test_image_folder_with_a_corrupt_file_stops_before_training_or_skips_it(tmp_path):
    from datamodules.base import DataError, SpecError

    write_folder(tmp_path, per_class=10)
    (tmp_path / "dog" / "zz_broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    with pytest.raises(DataError, match=r"1 of the 31 images .*zz_broken.jpg.*skip_unreadable=true"):
        create_datamodule("image_folder", root=tmp_path, image_size=8).setup()
    dm = create_datamodule("image_folder", root=tmp_path, image_size=8, skip_unreadable=True)
    dm.setup()
    assert dm.skipped == [str(tmp_path / "dog" / "zz_broken.jpg")]
    assert len(dm.train_eval_set) + len(dm.val_set) + len(dm.test_set) == 30
    one = tmp_path / "one_class"
    write_folder(one, classes=("cat",), per_class=3)
    with pytest.raises(SpecError, match="at least two classes"):
        _ = create_datamodule("image_folder", root=one).spec


def test_image_folder_concepts_file(tmp_path):
    write_folder(tmp_path, per_class=4)
    images = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.suffix in (".png", ".jpg"))
    rows = [f"{path},{int('cat' in path)},{'' if 'owl' in path else int('dog' in path)}" for path in images]
    table = tmp_path / "concepts.csv"
    table.write_text("id,furry_cat,barks\n" + "\n".join(rows) + "\n")
    dm = create_datamodule("image_folder", root=tmp_path, image_size=8, concepts_file=str(table))
    assert dm.spec.concept_names == ["furry_cat", "barks"]
    dm.setup()
    for dataset in (dm.train_eval_set, dm.val_set, dm.test_set):
        for item in dataset:
            name = dm.spec.class_names[int(item["targets"])]
            assert item["concepts"][0] == float(name == "cat")
            assert torch.isnan(item["concepts"][1]) if name == "owl" else item["concepts"][1] == float(name == "dog")
    table.write_text("id,furry_cat,barks\n" + "\n".join(rows[1:]) + "\n")
    with pytest.raises(ConceptDataError, match="no row for 1 of 12 items"):
        create_datamodule("image_folder", root=tmp_path, image_size=8, concepts_file=str(table)).setup()


def test_stratified_split_takes_the_fraction_of_every_class():
    labels = [0] * 10 + [1] * 20 + [2] * 5
    rest, val = stratified_split(labels, (0.2,), seed=3)
    assert [labels[i] for i in val].count(0) == 2 and [labels[i] for i in val].count(1) == 4
    assert sorted(rest + val) == list(range(35))
    assert stratified_split(labels, (0.2,), seed=3) == [rest, val]


# ---- a user's own images --------------------------------------------------------------------------------
def test_load_images_for_spec_converts_and_resizes(tmp_path):
    Image.new("RGB", (40, 30), (255, 0, 0)).save(tmp_path / "red.png")
    Image.new("L", (5, 5), 200).save(tmp_path / "gray.jpg", quality=100)
    (tmp_path / "sub").mkdir()
    Image.new("RGBA", (7, 9), (0, 0, 255, 128)).save(tmp_path / "sub" / "blue.png")
    (tmp_path / "notes.txt").write_text("not an image")
    mnist_spec = create_datamodule("mnist").spec
    images, ids = load_images_for_spec(tmp_path, mnist_spec)
    assert ids == ["gray.jpg", "red.png", "sub/blue.png"]
    assert images.shape == (3, 1, 28, 28) and images.dtype == torch.float32
    assert abs(float(images[1].mean()) - 76 / 255) < 1e-6  # PIL's L = 0.299 R for pure red
    cifar_card_spec = create_datamodule("cifar10").spec.to_dict()  # as read back from a model card
    rgb_images, rgb_ids = load_images_for_spec([tmp_path / "gray.jpg"], cifar_card_spec)
    assert rgb_images.shape == (1, 3, 32, 32) and rgb_ids == [str(tmp_path / "gray.jpg")]
    assert torch.allclose(rgb_images[0, 0], rgb_images[0, 2])
    assert abs(float(rgb_images.mean()) - 200 / 255) < 0.01


def test_load_images_for_spec_reports_bad_files(tmp_path):
    spec = create_datamodule("cifar10").spec
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    Image.new("RGB", (4, 4)).save(tmp_path / "fine.png")
    with pytest.raises(ValueError, match=r"1 of 2 image\(s\) could not be read:\n.*broken\.png"):
        load_images_for_spec(tmp_path, spec)
    with pytest.raises(FileNotFoundError, match="missing.png"):
        load_images_for_spec([tmp_path / "fine.png", tmp_path / "missing.png"], spec)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        load_images_for_spec(tmp_path / "empty", spec)


# ---- download=True goes through torchvision's downloaders (replaced here: no test downloads) ----------
def test_download_uses_torchvision_only_when_asked_and_needed(tmp_path, monkeypatch):
    import torchvision.datasets

    calls = []

    def fake_mnist(root, train, download):
        calls.append((root, train, download))
        write_idx_dataset(tmp_path, "MNIST", compress=True)

    monkeypatch.setattr(torchvision.datasets, "MNIST", fake_mnist)
    with pytest.raises(DataRootError):
        create_datamodule("mnist", root=tmp_path).setup()
    assert calls == []  # never by default
    dm = create_datamodule("mnist", root=tmp_path, download=True)
    dm.prepare_data()
    dm.prepare_data()  # the files are there now: nothing more to fetch
    assert calls == [(str(tmp_path), True, True)]
    dm.setup()
    assert len(dm.test_set) == 10


def test_load_images_for_spec_turns_phone_photos_upright(tmp_path):
    photo = Image.new("L", (20, 10), 0)
    photo.paste(255, (10, 0, 20, 10))  # stored: left half black, right half white
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation: display rotated 90 degrees clockwise
    photo.save(tmp_path / "phone.jpg", exif=exif, quality=100)
    spec = DataSpec(name="tall", input_shape=(1, 20, 10), num_classes=2, class_names=["a", "b"])
    images, _ = load_images_for_spec(tmp_path / "phone.jpg", spec)
    assert images[0, 0, :8].mean() < 0.1 and images[0, 0, 12:].mean() > 0.9  # black on top once upright
