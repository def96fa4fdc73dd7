"""`jaxdl prepare` offline: TFDS's own mnist builder on IDX files made here, then jaxdl's reader; and the
one-line errors (no TensorFlow, manual-download files missing, a dataset not prepared, listed as such)."""

import gzip
import os
import struct

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxdl.cli import main
from jaxdl.data import load, prepare

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUM = {"train": 30, "test": 10}


def _write_idx_gz(path, array: np.ndarray) -> None:
    """MNIST's IDX format: magic (0, 0, 0x08 = unsigned byte, ndim), each dim as big-endian int32, the bytes."""
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape))
        f.write(array.astype(np.uint8).tobytes())


@pytest.fixture
def mnist_sources(tmp_path):
    """MNIST's four source files (train-images-idx3-ubyte.gz, ...) of random examples: (dir, arrays)."""
    rng = np.random.default_rng(0)
    sources, arrays = tmp_path / "sources", {}
    sources.mkdir()
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = rng.integers(0, 256, (NUM[split], 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, NUM[split], dtype=np.uint8)
        _write_idx_gz(sources / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx_gz(sources / f"{prefix}-labels-idx1-ubyte.gz", labels)
        arrays[split] = (images, labels)
    return sources, arrays


def test_prepare_mnist_from_its_source_files_round_trips(mnist_sources, tmp_path, monkeypatch, capsys):
    pytest.importorskip("tensorflow", reason="preparing needs TensorFlow: `make test-prepare` installs the "
                                             "prepare extra and runs this test")
    import tensorflow_datasets.image_classification.mnist as tfds_mnist

    sources, arrays = mnist_sources
    asked = []

    def download_and_extract(self, urls):  # the network: every URL is one of the files made here
        asked.extend(urls.values())
        return self.extract({k: str(sources / url.rsplit("/", 1)[-1]) for k, url in urls.items()})

    monkeypatch.setattr(tfds.download.DownloadManager, "download_and_extract", download_and_extract)
    # the builder reads a fixed 60,000 / 10,000 examples from its files; these have fewer (as TFDS's own test)
    monkeypatch.setattr(tfds_mnist, "_TRAIN_EXAMPLES", NUM["train"])
    monkeypatch.setattr(tfds_mnist, "_TEST_EXAMPLES", NUM["test"])
    data_dir = str(tmp_path / "tfds")
    assert main(["prepare", "mnist", "--data_dir", data_dir]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"mnist prepared in {data_dir}/mnist/3.0.1") and "test 10, train 30" in out, out
    assert sorted(u.rsplit("/", 1)[-1] for u in asked) == sorted(os.listdir(sources))
    assert os.listdir(os.path.join(data_dir, "mnist", "3.0.1")) and prepare.is_prepared("mnist", data_dir)

    ds = load.load_dataset("mnist", data_dir)  # jaxdl's own reader, no TensorFlow on this path
    for split, stored in (("train", ds.train), ("test", ds.test)):
        images, labels = arrays[split]
        assert stored["inputs"].shape == (NUM[split], 28, 28, 1) and stored["inputs"].dtype == np.uint8
        # TFDS stores examples in the order of its key hash: compare as (image, label) pairs, every one exact
        written = sorted((im.tobytes(), int(lb)) for im, lb in zip(images, labels, strict=True))
        read = sorted((im[..., 0].tobytes(), int(lb)) for im, lb in zip(stored["inputs"], stored["label"],
                                                                        strict=True))
        assert written == read

    assert main(["prepare", "mnist", "--data_dir", data_dir]) == 0  # a second time: found, nothing redone
    assert capsys.readouterr().out.startswith(f"mnist already prepared in {data_dir}")


def test_prepare_without_tensorflow_names_the_install_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(prepare, "has_tensorflow", lambda: False)
    assert main(["prepare", "cifar10", "--data_dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install -e '.[prepare]'" in err and "make install-prepare" in err, err
    assert not os.listdir(tmp_path)


def test_prepare_manual_download_says_where_the_files_go(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(prepare, "has_tensorflow", lambda: True)  # the check that follows needs no TensorFlow
    assert main(["prepare", "imagenet2012", "--data_dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    manual = os.path.join(str(tmp_path), "downloads", "manual")
    assert err.count("\n") == 1 and f"put its files into {manual}" in err and "ILSVRC2012_img_train.tar" in err, err


def test_prepare_unknown_name_or_a_family_without_its_config_is_one_line(capsys):
    assert main(["prepare", "mnist2d"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown dataset 'mnist2d'" in err and "imagenet2012" in err
    assert main(["prepare", "ted_hrlr_translate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "name one" in err and "pt_to_en" in err, err


def test_train_on_unprepared_standard_dataset_gives_the_prepare_command(tmp_path, capsys):
    config = os.path.join(ROOT, "experiments", "configs", "mnist_mlp.py")
    data_dir = str(tmp_path / "empty")
    code = main(["train", "--config", config, "--workdir", str(tmp_path / "w"), f"--config.data_dir={data_dir}"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"`jaxdl prepare mnist --data_dir {data_dir}`" in err, err
    assert not (tmp_path / "w").exists()


def test_datasets_lists_kind_prepared_and_split_sizes(fake_mnist, capsys):
    data_dir, _ = fake_mnist  # mnist prepared (12 train, 5 test); nothing else there
    assert main(["datasets", "--data_dir", data_dir]) == 0
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in capsys.readouterr().out.splitlines()[1:]}
    assert set(rows) == set(load.listed(data_dir)) and "imagenet2012" in rows
    assert rows["mnist"] == ["standard", "prepared    test 5, train 12"]
    assert rows["cifar10"] == ["standard", f"not here    jaxdl prepare cifar10 --data_dir {data_dir}"]
    assert rows["mnist1d"][0] == "embedded"
