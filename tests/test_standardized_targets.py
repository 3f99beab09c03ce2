"""Regression targets in large units train on standardised targets and predict in their units."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio import cli
from nnstudio.data import load_dataset
from nnstudio.engine.gradcheck import gradient_check
from nnstudio.engine.network import Network
from nnstudio.errors import SpecError
from nnstudio.io.project import LoadedProject, load_project, save_project
from nnstudio.spec import (
    CsvData,
    LayerSpec,
    NetworkSpec,
    Project,
    Standardization,
    TrainingSpec,
)
from nnstudio.workflow import (
    attach_dataset,
    build_network,
    fit_network_to_data,
    load_for_training,
    make_trainer,
)

SCALING = Standardization(mean=(250_000.0, -3.0), std=(80_000.0, 0.5))


def write_prices(path: Path, rows: int = 400, seed: int = 0) -> Path:
    """House prices in dollars: ``price = 150 · sqft + 20,000 + noise`` (noise sd 10,000)."""
    rng = np.random.default_rng(seed)
    sqft = rng.uniform(500, 4000, rows)
    price = 150 * sqft + 20_000 + rng.normal(0, 10_000, rows)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sqft", "price"])
        writer.writerows(zip(sqft.round(1), price.round(2), strict=True))
    return path


def prices_project(standardize_targets: bool = True) -> Project:
    return Project(
        name="Prices",
        data=CsvData(
            csv="prices.csv",
            target=("price",),
            task="regression",
            standardize_targets=standardize_targets,
        ),
        network=NetworkSpec(inputs=1, layers=(LayerSpec(8, "tanh"), LayerSpec(1, "identity"))),
        loss="mse",
        training=TrainingSpec(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=60),
    )


def two_output_network() -> Network:
    spec = NetworkSpec(inputs=3, layers=(LayerSpec(5, "tanh"), LayerSpec(2, "identity")))
    return Network.from_spec(spec, "mse", seed=3, dtype="float64", target_standardization=SCALING)


# ---- engine --------------------------------------------------------------------------------


def test_the_network_learns_standardised_targets_and_predicts_in_their_units() -> None:
    network = two_output_network()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3))
    Y = np.column_stack([rng.normal(250_000, 80_000, 6), rng.normal(-3, 0.5, 6)])
    learned = network.prepare_targets(Y, 6)
    np.testing.assert_allclose(learned, (Y - SCALING.mean) / SCALING.std)
    outputs = network.forward(X).output
    np.testing.assert_allclose(network.predict(X), outputs * SCALING.std + SCALING.mean)
    # The loss is the loss on standardised targets.
    plain = Network.from_spec(network.spec, "mse", seed=3, dtype="float64")
    assert network.data_loss(X, Y) == pytest.approx(plain.data_loss(X, learned))


def test_gradients_on_standardised_targets_match_finite_differences() -> None:
    network = two_output_network()
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 3))
    Y = np.column_stack([rng.normal(250_000, 80_000, 8), rng.normal(-3, 0.5, 8)])
    report = gradient_check(network, X, Y, l2=0.01)
    assert report.passed(1e-6), report.format()


def test_target_statistics_must_fit_the_output_layer() -> None:
    spec = NetworkSpec(inputs=3, layers=(LayerSpec(5, "tanh"), LayerSpec(1, "identity")))
    with pytest.raises(SpecError, match=r"2 means .* 1 outputs"):
        Network.from_spec(spec, "mse", target_standardization=SCALING)


# ---- project files ----------------------------------------------------------------------------


def test_a_project_keeps_its_target_statistics_through_a_file(tmp_path: Path) -> None:
    write_prices(tmp_path / "prices.csv")
    project = replace(
        prices_project(),
        target_standardization=Standardization(mean=(300_000.0,), std=(150_000.0,)),
    )
    save_project(tmp_path / "p.nnproj", project)
    loaded = load_project(tmp_path / "p.nnproj").project
    assert loaded.data.standardize_targets
    assert loaded.target_standardization == project.target_standardization


def test_standardised_targets_are_refused_for_classes_and_for_the_wrong_width() -> None:
    document = prices_project().to_dict()
    document["data"]["task"] = "classification"
    document["loss"] = "binary_crossentropy"
    document["network"]["layers"][-1]["activation"] = "sigmoid"
    with pytest.raises(SpecError, match="standardize_targets: only regression targets"):
        Project.from_dict(document)
    document = prices_project().to_dict()
    document["target_standardization"] = {"mean": [1.0, 2.0], "std": [1.0, 1.0]}
    with pytest.raises(SpecError, match="has 2 targets but the output layer has 1 units"):
        Project.from_dict(document)


# ---- workflow and training ---------------------------------------------------------------------


def test_attach_fits_target_statistics_and_keeps_stored_ones(tmp_path: Path) -> None:
    write_prices(tmp_path / "prices.csv")
    project = prices_project()
    dataset = load_dataset(project.data, tmp_path)
    attached = attach_dataset(project, dataset)
    scaling = attached.target_standardization
    assert scaling is not None
    assert scaling.mean[0] == pytest.approx(dataset.Y_train.mean())
    assert scaling.std[0] == pytest.approx(dataset.Y_train.std())
    # Statistics stored with trained weights stay (the weights depend on them).
    stored = Standardization(mean=(1.0,), std=(2.0,))
    kept = attach_dataset(replace(project, target_standardization=stored), dataset)
    assert kept.target_standardization == stored
    # Data that does not ask for it leaves the targets as they are.
    plain = attach_dataset(prices_project(standardize_targets=False), dataset)
    assert plain.target_standardization is None


def test_a_bounded_output_cannot_reach_standardised_targets(tmp_path: Path) -> None:
    write_prices(tmp_path / "prices.csv")
    project = prices_project()
    sigmoid = project.network.with_layer(1, LayerSpec(1, "sigmoid"))
    dataset = load_dataset(project.data, tmp_path)
    fitted, notices = fit_network_to_data(replace(project, network=sigmoid), dataset)
    assert fitted.network.output.activation == "identity"
    assert any("standardised targets" in notice for notice in notices)


def train_prices(tmp_path: Path, standardize_targets: bool) -> tuple[Project, object]:
    write_prices(tmp_path / "prices.csv")
    project = prices_project(standardize_targets)
    dataset = load_dataset(project.data, tmp_path)
    project = attach_dataset(project, dataset)
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    trainer.run()
    return project, trainer.snapshot()


@pytest.mark.slow
def test_prices_in_dollars_train_only_with_standardised_targets(tmp_path: Path) -> None:
    _project, snapshot = train_prices(tmp_path, standardize_targets=True)
    # The noise's standard deviation is 10,000 dollars: the fit comes close to it, and the
    # RMSE is in dollars.
    assert snapshot.val_r2 > 0.97
    assert snapshot.val_rmse < 15_000
    # The same run on the raw targets: the output creeps from 0 towards 300,000 by about the
    # learning rate per step, and has not left 0 behind after 60 epochs.
    raw_folder = tmp_path / "raw"
    raw_folder.mkdir()
    _project, raw = train_prices(raw_folder, standardize_targets=False)
    assert raw.val_r2 < 0.1 and raw.val_rmse > 100_000


def test_cli_trains_saves_and_predicts_in_dollars(tmp_path: Path) -> None:
    write_prices(tmp_path / "prices.csv")
    source = tmp_path / "prices.nnproj"
    save_project(
        source, replace(prices_project(), training=replace(prices_project().training, epochs=40))
    )
    trained = tmp_path / "trained.nnproj"
    assert cli.main(["train", str(source), "-q", "--save", str(trained)]) == cli.EXIT_OK
    loaded = load_project(trained)
    scaling = loaded.project.target_standardization
    assert scaling is not None and 200_000 < scaling.mean[0] < 400_000
    query = tmp_path / "query.csv"
    query.write_text("sqft\n1000\n3000\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert cli.main(["predict", str(trained), "-i", str(query), "-o", str(out)]) == cli.EXIT_OK
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    predicted = [float(row["price"]) for row in rows]
    # price = 150 · sqft + 20,000: 170,000 and 470,000 dollars.
    assert predicted[0] == pytest.approx(170_000, rel=0.1)
    assert predicted[1] == pytest.approx(470_000, rel=0.1)


def test_retraining_from_scratch_refits_the_target_statistics(tmp_path: Path) -> None:
    write_prices(tmp_path / "prices.csv")
    stale = Standardization(mean=(1.0,), std=(2.0,))
    project = replace(prices_project(), target_standardization=stale)
    loaded = LoadedProject(project=project, weights=None, path=tmp_path / "p.nnproj")
    fresh, network, _dataset = load_for_training(loaded)
    assert fresh.target_standardization is not None
    assert fresh.target_standardization != stale
    assert network.target_standardization == fresh.target_standardization
