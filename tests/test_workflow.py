"""Workflow glue: fitting a network to data, attaching data, building, training, predicting."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import load_dataset
from nnstudio.data.dataset import build_dataset
from nnstudio.errors import DataError, NNStudioError
from nnstudio.io.project import LoadedProject, load_project, save_project
from nnstudio.spec import (
    BuiltinData,
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
    output_names_of,
    predict,
)

IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


@pytest.fixture
def iris_like():
    """A small data set shaped like iris: 4 features, 3 classes, standardised."""
    rng = np.random.default_rng(0)
    labels = np.arange(60) % 3
    X = rng.normal(size=(60, 4)) + labels[:, None]
    return build_dataset(
        X,
        labels,
        task="classification",
        feature_names=IRIS_FEATURES,
        target_names=IRIS_CLASSES,
        validation_fraction=0.2,
        seed=0,
        standardize=True,
    )


def binary_project(inputs: int = 2, **changes) -> Project:
    project = Project(
        name="binary",
        data=BuiltinData(builtin="xor", samples=60, seed=2),
        network=NetworkSpec(
            inputs=inputs,
            layers=(
                LayerSpec(units=5, activation="tanh"),
                LayerSpec(units=1, activation="sigmoid"),
            ),
        ),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.05, epochs=5, batch_size=16),
    )
    return replace(project, **changes)


# ---- fit_network_to_data --------------------------------------------------------------------


def test_fit_resizes_a_binary_network_to_iris(iris_like) -> None:
    fitted, notices = fit_network_to_data(binary_project(), iris_like)
    assert fitted.network.describe() == "4-5(tanh)-3(softmax)"
    assert fitted.loss == "categorical_crossentropy"
    assert notices == [
        "Input layer resized from 2 to 4 inputs to match the 4 features",
        "Output activation changed from sigmoid to softmax for the 3 classes",
        "Output layer resized from 1 to 3 units to match the 3 classes",
        "Loss changed from binary cross-entropy to categorical cross-entropy to fit the new "
        "output layer",
    ]
    assert fitted.feature_names == IRIS_FEATURES
    assert fitted.output_names == IRIS_CLASSES
    assert fitted.standardization == iris_like.standardization
    fitted.validate()


def test_fit_keeps_a_fitting_network_unchanged() -> None:
    project = binary_project()
    dataset = load_dataset(project.data)
    fitted, notices = fit_network_to_data(project, dataset)
    assert notices == []
    assert fitted.network == project.network
    assert fitted.loss == project.loss
    assert fitted.output_names == ("0", "1")


def test_fit_keeps_two_softmax_units_on_two_classes() -> None:
    project = binary_project()
    softmax = replace(project.network.output, units=2, activation="softmax")
    project = replace(
        project,
        network=project.network.with_layer(1, softmax),
        loss="categorical_crossentropy",
    )
    fitted, notices = fit_network_to_data(project, load_dataset(project.data))
    assert notices == []
    assert fitted.network.output.units == 2


def test_fit_softmax_on_three_classes_only_resizes(iris_like) -> None:
    project = binary_project(inputs=4)
    output = replace(project.network.output, units=2, activation="softmax")
    project = replace(
        project, network=project.network.with_layer(1, output), loss="categorical_crossentropy"
    )
    fitted, notices = fit_network_to_data(project, iris_like)
    assert notices == ["Output layer resized from 2 to 3 units to match the 3 classes"]
    assert fitted.loss == "categorical_crossentropy"


def test_fit_classifier_to_regression_data() -> None:
    data = BuiltinData(builtin="sine", samples=40)
    project = binary_project(inputs=2, data=data)
    output = replace(project.network.output, units=3, activation="softmax")
    project = replace(
        project, network=project.network.with_layer(1, output), loss="categorical_crossentropy"
    )
    fitted, notices = fit_network_to_data(project, load_dataset(data))
    assert fitted.network.describe() == "1-5(tanh)-1(identity)"
    assert fitted.loss == "mse"
    assert "Output activation changed from softmax to identity for 1 target column" in notices
    assert (
        "Loss changed from categorical cross-entropy to squared error (½ · mean) to fit the "
        "new output layer" in notices
    )


def test_a_bounded_output_that_cannot_reach_the_targets_becomes_identity() -> None:
    # A classifier's sigmoid output on housing prices (up to about 4.5): it could only ever
    # predict below 1.
    data = BuiltinData(builtin="housing", samples=60)
    project = binary_project(inputs=1, data=data)
    fitted, notices = fit_network_to_data(project, load_dataset(data))
    assert fitted.network.output.activation == "identity"
    assert fitted.loss == "mse"
    assert any(
        n.startswith(
            "Output activation changed from sigmoid to identity for 1 target column "
            "(sigmoid outputs are between 0 and 1, a target is "
        )
        for n in notices
    ), notices


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_a_bounded_output_within_reach_of_the_targets_is_kept(activation) -> None:
    # The sine targets lie within ±1 (plus a little noise); housing's ReLU output bottoms out
    # at zero with noise below it.
    data = BuiltinData(builtin="sine", samples=60, noise=0.05)
    project = binary_project(inputs=1, data=data)
    output = replace(project.network.output, activation=activation)
    project = replace(project, network=project.network.with_layer(1, output), loss="mse")
    dataset = load_dataset(data)
    if activation == "sigmoid":
        dataset = replace(dataset, Y_train=(dataset.Y_train + 1) / 2, Y_val=(dataset.Y_val + 1) / 2)
    fitted, notices = fit_network_to_data(project, dataset)
    assert fitted.network.output.activation == activation
    assert not any("Output activation" in n for n in notices)


def test_fit_regression_network_to_two_classes_uses_one_sigmoid_unit() -> None:
    project = Project(
        name="r",
        data=BuiltinData(builtin="circles", samples=40),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(units=1, activation="identity"),)),
        loss="mse",
    )
    fitted, notices = fit_network_to_data(project, load_dataset(project.data))
    assert fitted.network.describe() == "2-1(sigmoid)"
    assert fitted.loss == "binary_crossentropy"
    assert notices[0] == "Output activation changed from identity to sigmoid for the 2 classes"


# ---- attach_dataset -------------------------------------------------------------------------


def test_attach_names_input_mismatch(iris_like) -> None:
    with pytest.raises(DataError) as info:
        attach_dataset(binary_project(inputs=3), iris_like)
    assert str(info.value) == (
        "the network has 3 inputs but the data has 4 features "
        "(sepal_length, sepal_width, petal_length, petal_width)"
    )


def test_attach_names_output_mismatch(iris_like) -> None:
    with pytest.raises(DataError) as info:
        attach_dataset(binary_project(inputs=4), iris_like)
    assert str(info.value) == (
        "the output layer has 1 unit but the data has 3 classes "
        "(setosa, versicolor, virginica); it needs 3 output units"
    )


def test_attach_stores_names_and_standardization(iris_like) -> None:
    project, _ = fit_network_to_data(binary_project(), iris_like)
    attached = attach_dataset(replace(project, feature_names=None, output_names=None), iris_like)
    assert attached.feature_names == IRIS_FEATURES
    assert attached.output_names == IRIS_CLASSES
    assert attached.standardization == iris_like.standardization


def test_attach_keeps_a_stored_standardization_of_the_right_length(tmp_path: Path) -> None:
    data = BuiltinData(builtin="xor", samples=60, seed=2, standardize=True)
    stored = Standardization(mean=(1.0, 2.0), std=(3.0, 4.0))
    project = binary_project(data=data, standardization=stored)
    dataset = load_dataset(data)
    assert attach_dataset(project, dataset).standardization == stored
    # Without standardisation in the data spec the data's (absent) statistics win.
    plain = replace(project, data=replace(data, standardize=False))
    assert attach_dataset(plain, load_dataset(plain.data)).standardization is None


# ---- building, training, predicting ---------------------------------------------------------


def test_build_network_uses_seed_dtype_and_standardization() -> None:
    stored = Standardization(mean=(0.0, 1.0), std=(2.0, 2.0))
    project = binary_project(standardization=stored)
    project = replace(project, training=replace(project.training, dtype="float64", seed=7))
    first, second = build_network(project), build_network(project)
    assert first.dtype == np.float64
    assert first.standardization == stored
    np.testing.assert_array_equal(first.weights()[0][0], second.weights()[0][0])
    other_seed = replace(project, training=replace(project.training, seed=8))
    assert not np.array_equal(build_network(other_seed).weights()[0][0], first.weights()[0][0])


def test_make_trainer_trains_and_lowers_the_loss() -> None:
    project = binary_project()
    dataset = load_dataset(project.data)
    project = attach_dataset(project, dataset)
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    before = trainer.snapshot().train_loss
    final = trainer.run()
    assert final.status == "finished"
    assert final.epoch == 5
    assert final.train_loss < before


def test_load_for_training_uses_stored_weights_unless_reinit(tmp_path: Path) -> None:
    project = binary_project()
    dataset = load_dataset(project.data)
    project = attach_dataset(project, dataset)
    network = build_network(project)
    make_trainer(project, network, dataset).run()
    save_project(tmp_path / "p.nnproj", project, network.weights())
    loaded = load_project(tmp_path / "p.nnproj")

    _, warm, _ = load_for_training(loaded)
    np.testing.assert_allclose(warm.weights()[0][0], network.weights()[0][0])
    _, fresh, _ = load_for_training(loaded, reinit=True)
    np.testing.assert_allclose(fresh.weights()[0][0], build_network(project).weights()[0][0])


def test_load_for_training_reports_data_that_does_not_fit(tmp_path: Path) -> None:
    project = binary_project(inputs=3)
    loaded = LoadedProject(project=project, weights=None, path=tmp_path / "p.nnproj")
    with pytest.raises(DataError, match="the network has 3 inputs but the data has 2 features"):
        load_for_training(loaded)


def test_load_for_training_resolves_csv_against_the_project_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    rows = "\n".join(f"{i % 5},{(i * 7) % 3},{'a' if i % 2 else 'b'}" for i in range(30))
    (tmp_path / "data" / "small.csv").write_text("u,v,kind\n" + rows + "\n")
    project = binary_project(
        data=CsvData(csv="data/small.csv", target=("kind",), task="classification")
    )
    loaded = LoadedProject(project=project, weights=None, path=tmp_path / "p.nnproj")
    attached, _network, dataset = load_for_training(loaded)
    assert attached.feature_names == ("u", "v")
    assert attached.output_names == ("a", "b")
    assert dataset.n_features == 2


def test_predict_binary_classifier_gives_probabilities_and_labels() -> None:
    project = binary_project(output_names=("no", "yes"), feature_names=("x1", "x2"))
    # A zero first layer gives 0, so the output is sigmoid(0 @ W2 + 2) for every row.
    weights = ((np.zeros((2, 5)), np.zeros(5)), (np.zeros((5, 1)), np.array([2.0])))
    result = predict(project, weights, np.array([[0.0, 0.0], [1.0, 1.0]]))
    p = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(result.probabilities, [[1 - p, p], [1 - p, p]], rtol=1e-6)
    assert result.labels.tolist() == ["yes", "yes"]
    assert result.label_indices.tolist() == [1, 1]
    assert result.output_names == ("no", "yes")


def test_predict_softmax_labels_by_argmax(iris_like) -> None:
    project, _ = fit_network_to_data(binary_project(), iris_like)
    network = build_network(project)
    X = iris_like.X_val
    result = predict(project, network.weights(), X)
    expected = network.predict(X)
    np.testing.assert_allclose(result.probabilities, expected, rtol=1e-6)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert result.labels.tolist() == [IRIS_CLASSES[i] for i in np.argmax(expected, axis=1)]


def test_predict_regression_has_no_labels() -> None:
    project = Project(
        name="line",
        data=BuiltinData(builtin="sine", samples=20),
        network=NetworkSpec(inputs=1, layers=(LayerSpec(units=1, activation="identity"),)),
        loss="mse",
        output_names=("y",),
    )
    weights = ((np.array([[2.0]]), np.array([1.0])),)
    result = predict(project, weights, np.array([[0.0], [3.0]]))
    np.testing.assert_allclose(result.outputs, [[1.0], [7.0]])
    assert result.labels is None and result.probabilities is None


def test_predict_rejects_the_wrong_width() -> None:
    project = binary_project()
    weights = build_network(project).weights()
    with pytest.raises(DataError, match="the inputs have 3 columns but the network has 2 inputs"):
        predict(project, weights, np.zeros((4, 3)))


def test_predict_names_the_column_too_large_for_the_networks_dtype() -> None:
    project = binary_project(feature_names=("age", "income"))
    weights = build_network(project).weights()
    with pytest.raises(NNStudioError, match="income") as info:
        predict(project, weights, np.array([[1.0, 2.0], [3.0, 1e300]]))
    assert "float32" in str(info.value)
    # float64 holds the same value.
    wide = replace(project, training=replace(project.training, dtype="float64"))
    assert predict(wide, weights, np.array([[1.0, 1e300]])).labels is not None


def test_the_trainer_names_columns_too_large_for_float32() -> None:
    data = BuiltinData(builtin="sine", samples=40)
    project = binary_project(inputs=1, data=data)
    project, _ = fit_network_to_data(project, load_dataset(data))
    dataset = load_dataset(data)
    huge = replace(dataset, Y_train=dataset.Y_train * 1e300)
    with pytest.raises(NNStudioError, match=dataset.target_names[0]):
        make_trainer(project, build_network(project), huge)


def test_output_names_fall_back_to_numbers() -> None:
    assert output_names_of(binary_project()) == ("0", "1")


@pytest.mark.parametrize(
    ("units", "activation", "loss", "fits"),
    [
        (1, "sigmoid", "binary_crossentropy", True),
        (2, "sigmoid", "binary_crossentropy", True),
        (2, "softmax", "categorical_crossentropy", True),
        (1, "identity", "mse", True),
        (1, "softmax", "mse", False),
        (3, "softmax", "categorical_crossentropy", False),
    ],
)
def test_attach_output_widths_on_two_classes(
    units: int, activation: str, loss: str, fits: bool
) -> None:
    project = binary_project()
    output = LayerSpec(units=units, activation=activation)
    project = replace(project, network=project.network.with_layer(1, output), loss=loss)
    dataset = load_dataset(project.data)
    if fits:
        assert attach_dataset(project, dataset).output_names == ("0", "1")
    else:
        with pytest.raises(DataError, match=f"the output layer has {units} unit"):
            attach_dataset(project, dataset)


def test_fit_keeps_two_sigmoid_units_and_fixes_one_softmax_unit() -> None:
    project = binary_project()
    two = replace(project.network.output, units=2)
    fitted, notices = fit_network_to_data(
        replace(project, network=project.network.with_layer(1, two)), load_dataset(project.data)
    )
    assert notices == [] and fitted.network.output.units == 2
    one_softmax = LayerSpec(units=1, activation="softmax")
    fitted, notices = fit_network_to_data(
        replace(project, network=project.network.with_layer(1, one_softmax), loss="mse"),
        load_dataset(project.data),
    )
    assert fitted.network.output.units == 2
    assert notices == ["Output layer resized from 1 to 2 units to match the 2 classes"]


def test_a_network_spec_says_which_weights_fit_it() -> None:
    project = binary_project()
    weights = build_network(project).weights()
    network = project.network
    assert network.fits(weights)
    assert not network.fits(None)
    assert not network.fits(weights[:-1])  # a layer short
    (W, b), *rest = weights
    assert not network.fits(((W[:, :-1], b), *rest))  # one unit short
    assert not network.fits(((W, b[:-1]), *rest))  # the bias too


# ---- a project's own choices, as written in its file -----------------------------------------


def _with_output(project: Project, units: int, activation: str, loss: str) -> Project:
    output = replace(project.network.output, units=units, activation=activation)
    return replace(project, network=project.network.with_layer(1, output), loss=loss)


def test_as_written_keeps_identity_outputs_with_squared_error_on_classes(iris_like) -> None:
    # The lecture notes' regression-style classifier: k identity units and squared error.
    project = _with_output(binary_project(inputs=4), 3, "identity", "mse")
    fitted, notices = fit_network_to_data(project, iris_like, as_written=True)
    assert notices == []
    assert fitted.network == project.network
    assert fitted.loss == "mse"
    # Fitted for new data (not as written), the same project becomes softmax.
    refitted, _ = fit_network_to_data(project, iris_like)
    assert refitted.network.output.activation == "softmax"


def test_as_written_only_resizes_an_output_of_the_wrong_width(iris_like) -> None:
    project = _with_output(binary_project(inputs=4), 5, "identity", "mse")
    fitted, notices = fit_network_to_data(project, iris_like, as_written=True)
    assert fitted.network.describe() == "4-5(tanh)-3(identity)"
    assert fitted.loss == "mse"
    assert notices == ["Output layer resized from 5 to 3 units to match the 3 classes"]


def test_as_written_gives_one_identity_unit_on_two_classes_a_second_unit() -> None:
    # A single output stands for two classes only as a sigmoid, the probability of the
    # second class; identity outputs are scores, one per class.
    project = _with_output(binary_project(), 1, "identity", "mse")
    fitted, notices = fit_network_to_data(project, load_dataset(project.data), as_written=True)
    assert fitted.network.describe() == "2-5(tanh)-2(identity)"
    assert fitted.loss == "mse"
    assert notices == ["Output layer resized from 1 to 2 units to match the 2 classes"]


def test_one_non_sigmoid_unit_on_two_classes_does_not_train() -> None:
    project = _with_output(binary_project(), 1, "tanh", "mse")
    dataset = load_dataset(project.data)
    with pytest.raises(DataError, match="one tanh output unit cannot stand for two classes"):
        make_trainer(project, build_network(project), dataset)
    assert dataset.targets_for(1, "sigmoid")[0].shape[1] == 1


@pytest.mark.parametrize(
    ("units", "activation", "loss"),
    [(3, "identity", "categorical_crossentropy"), (3, "tanh", "binary_crossentropy")],
)
def test_as_written_still_fixes_a_loss_the_output_cannot_train(
    iris_like, units, activation, loss
) -> None:
    project = _with_output(binary_project(inputs=4), units, activation, loss)
    fitted, notices = fit_network_to_data(project, iris_like, as_written=True)
    assert fitted.network.output.activation == "softmax"
    assert fitted.loss == "categorical_crossentropy"
    assert notices


def test_as_written_reports_a_bounded_output_out_of_reach_without_changing_it() -> None:
    data = BuiltinData(builtin="housing", samples=60)
    project = _with_output(binary_project(inputs=1, data=data), 1, "sigmoid", "mse")
    fitted, notices = fit_network_to_data(project, load_dataset(data), as_written=True)
    assert fitted.network.output.activation == "sigmoid"
    assert len(notices) == 1
    assert notices[0].startswith("The sigmoid output cannot reach the targets (sigmoid outputs")


def test_a_cosine_minimum_above_the_learning_rate_is_refused() -> None:
    from nnstudio.spec import ScheduleSpec, TrainingSpec, training_problems

    training = TrainingSpec(learning_rate=0.05, schedule=ScheduleSpec("cosine", min_lr=1e9))
    assert training_problems(training) == [
        "training.schedule.min_lr: must be <= learning_rate (0.05), got 1e+09"
    ]
    # Down to the rate itself is a constant schedule, and fine; other schedules ignore it.
    assert training_problems(replace(training, schedule=ScheduleSpec("cosine", min_lr=0.05))) == []
    assert training_problems(replace(training, schedule=ScheduleSpec("step", min_lr=1e9))) == []


def test_a_value_just_beyond_a_bound_is_named_with_the_digits_that_put_it_there() -> None:
    from nnstudio.spec import ScheduleSpec, TrainingSpec, training_problems

    # "must be <= 1000, got 1000" read as a contradiction: the message shows 1000.0001.
    assert training_problems(TrainingSpec(learning_rate=1000.0001)) == [
        "training.learning_rate: must be <= 1000, got 1000.0001"
    ]
    schedule = ScheduleSpec("step", step_size=5, gamma=1.0000001)
    assert training_problems(TrainingSpec(schedule=schedule)) == [
        "training.schedule.gamma: must be <= 1, got 1.0000001"
    ]
    # Round values keep their short form.
    assert training_problems(TrainingSpec(learning_rate=1e308)) == [
        "training.learning_rate: must be <= 1000, got 1e+308"
    ]


@pytest.mark.parametrize(
    ("changes", "field", "smallest"),
    [
        ({"learning_rate": 1e-320}, "training.learning_rate", "1.18e-38 in float32"),
        ({"learning_rate": 1e-40}, "training.learning_rate", "1.18e-38 in float32"),
        ({"clip_norm": 1e-39}, "training.clip_norm", "1.18e-38 in float32"),
        (
            {"optimizer": "adam", "epsilon": 1e-320, "dtype": "float64"},
            "training.epsilon",
            "2.23e-308 in float64",
        ),
    ],
)
def test_a_positive_setting_that_would_round_to_zero_in_the_precision_is_refused(
    changes: dict, field: str, smallest: str
) -> None:
    from nnstudio.spec import TrainingSpec, training_problems

    training = replace(TrainingSpec(), **changes)
    problems = training_problems(training)
    assert len(problems) == 1 and problems[0].startswith(f"{field}: must be at least {smallest}")
    # The same value is fine where the precision holds it.
    if training.dtype == "float32" and changes.get("learning_rate", 1.0) > 1e-300:
        assert training_problems(replace(training, dtype="float64")) == []
