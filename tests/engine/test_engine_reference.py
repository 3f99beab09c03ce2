"""Forward pass and gradients against independent implementations.

The first reference is a tiny scalar reverse-mode autodiff (in the spirit of micrograd)
written here from scratch: every neuron is computed one multiply-add at a time and the
gradients come from the chain rule over that graph, sharing no code with the engine. The
optional second reference is PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec


class Value:
    """A scalar that remembers how it was computed."""

    def __init__(
        self, data: float, parents: tuple[Value, ...] = (), local: tuple[float, ...] = ()
    ) -> None:
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local = local  # d(self)/d(parent) for each parent

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    __rmul__ = __mul__

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-other if isinstance(other, Value) else -float(other))

    def __rsub__(self, other: float) -> Value:
        return Value(other) + (-self)

    def __truediv__(self, other: float) -> Value:
        return self * (1.0 / other)

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def relu(self) -> Value:
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))

    def sigmoid(self) -> Value:
        s = 1 / (1 + math.exp(-self.data))
        return Value(s, (self,), (s * (1 - s),))

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def log(self) -> Value:
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def reciprocal(self) -> Value:
        return Value(1 / self.data, (self,), (-1 / self.data**2,))

    def backward(self) -> None:
        order: list[Value] = []
        seen: set[int] = set()

        def visit(node: Value) -> None:
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local, strict=True):
                parent.grad += local * node.grad


def _scalar_network(
    params: list[tuple[np.ndarray, np.ndarray]],
) -> list[tuple[list[list[Value]], list[Value]]]:
    return [([[Value(w) for w in row] for row in W], [Value(v) for v in b]) for W, b in params]


def _sample_loss(loss: str, a: list[Value], y: list[float]) -> Value:
    """Per-sample loss, summed over the output units."""
    total = Value(0.0)
    for p, t in zip(a, y, strict=True):
        if loss == "categorical_crossentropy":
            total = total - p.log() * t
        elif loss == "binary_crossentropy":
            total = total - (p.log() * t + (1 - p).log() * (1 - t))
        elif loss == "mse":
            total = total + (p - t) * (p - t) * 0.5
        else:
            raise AssertionError(loss)
    return total


def _reference_objective(
    scalar_params: list[tuple[list[list[Value]], list[Value]]],
    activations: list[str],
    loss: str,
    X: np.ndarray,
    Y: np.ndarray,
    l2: float,
) -> tuple[Value, list[list[float]]]:
    """Objective and outputs, one sample and one neuron at a time."""
    total = Value(0.0)
    outputs = []
    for x, y in zip(X, Y, strict=True):
        a: list[Value | float] = list(x)
        for (W, b), name in zip(scalar_params, activations, strict=True):
            z = [sum((a[i] * W[i][j] for i in range(len(a))), b[j]) for j in range(len(b))]
            if name == "tanh":
                a = [v.tanh() for v in z]
            elif name == "relu":
                a = [v.relu() for v in z]
            elif name == "sigmoid":
                a = [v.sigmoid() for v in z]
            elif name == "identity":
                a = z
            elif name == "softmax":
                exps = [v.exp() for v in z]
                norm = sum(exps[1:], exps[0]).reciprocal()
                a = [e * norm for e in exps]
            else:
                raise AssertionError(name)
        outputs.append([v.data for v in a])  # type: ignore[union-attr]
        total = total + _sample_loss(loss, a, [float(t) for t in y])  # type: ignore[arg-type]
    objective = total / len(X)
    for W, _ in scalar_params:
        for row in W:
            for w in row:
                objective = objective + w * w * (l2 / 2)
    return objective, outputs


NETWORKS = [
    ([(4, "tanh"), (3, "relu"), (3, "softmax")], "categorical_crossentropy"),
    ([(5, "relu"), (2, "sigmoid")], "binary_crossentropy"),
    ([(3, "tanh"), (2, "identity")], "mse"),
    ([(4, "sigmoid"), (3, "softmax")], "mse"),
]


@pytest.mark.parametrize(("layers", "loss"), NETWORKS)
def test_matches_scalar_autodiff(layers: list[tuple[int, str]], loss: str) -> None:
    rng = np.random.default_rng(len(layers) * 10 + len(loss))
    n_in, m = 3, 5
    spec = NetworkSpec(
        n_in, tuple(LayerSpec(u, a, init="he_normal", bias_init=0.05) for u, a in layers)
    )
    net = Network.from_spec(spec, loss, seed=3, dtype="float64")
    X = rng.normal(size=(m, n_in))
    k = layers[-1][0]
    if loss == "categorical_crossentropy":
        Y = np.eye(k)[rng.integers(0, k, size=m)]
    elif loss == "binary_crossentropy":
        Y = rng.integers(0, 2, size=(m, k)).astype(float)
    else:
        Y = rng.normal(size=(m, k))
    l2 = 0.03

    scalar = _scalar_network([(W, b) for W, b in net.params])
    objective, outputs = _reference_objective(scalar, [a for _, a in layers], loss, X, Y, l2)
    objective.backward()

    np.testing.assert_allclose(net.predict(X), np.array(outputs), rtol=1e-12, atol=1e-14)
    value, grads = net.loss_and_gradients(X, Y, l2=l2)
    assert value == pytest.approx(objective.data, rel=1e-12)
    for (dW, db), (W_ref, b_ref) in zip(grads, scalar, strict=True):
        np.testing.assert_allclose(
            dW, [[w.grad for w in row] for row in W_ref], rtol=1e-10, atol=1e-13
        )
        np.testing.assert_allclose(db, [v.grad for v in b_ref], rtol=1e-10, atol=1e-13)


# ---- PyTorch -------------------------------------------------------------------------------


def _torch_model(net: Network, torch: object) -> tuple[object, list[object]]:
    nn = torch.nn  # type: ignore[attr-defined]
    modules = []
    linears = []
    activation_modules: dict[str, Callable[[], object]] = {
        "tanh": nn.Tanh,
        "relu": nn.ReLU,
        "sigmoid": nn.Sigmoid,
        "gelu": lambda: nn.GELU(approximate="tanh"),
        "swish": nn.SiLU,
        "softplus": nn.Softplus,
        "elu": nn.ELU,
        "identity": nn.Identity,
    }
    for (W, b), activation in zip(net.params, net.activations, strict=True):
        linear = nn.Linear(W.shape[0], W.shape[1]).double()
        with torch.no_grad():  # type: ignore[attr-defined]
            linear.weight.copy_(torch.from_numpy(W.T.copy()))  # type: ignore[attr-defined]
            linear.bias.copy_(torch.from_numpy(b.copy()))  # type: ignore[attr-defined]
        modules.append(linear)
        linears.append(linear)
        if activation.name != "softmax":
            modules.append(activation_modules[activation.name]())
    return nn.Sequential(*modules), linears


@pytest.mark.interop
@pytest.mark.slow  # importing torch takes seconds
@pytest.mark.parametrize("hidden", ["tanh", "relu", "gelu", "swish", "softplus", "elu"])
def test_gradients_match_torch(hidden: str) -> None:
    torch = pytest.importorskip("torch")
    spec = NetworkSpec(3, (LayerSpec(6, hidden), LayerSpec(5, hidden), LayerSpec(4, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy", seed=1, dtype="float64")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, 3))
    labels = rng.integers(0, 4, size=9)
    Y = np.eye(4)[labels]
    model, linears = _torch_model(net, torch)
    logits = model(torch.from_numpy(X))
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels))
    loss.backward()
    value, grads = net.loss_and_gradients(X, Y)
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(
        net.predict(X), torch.softmax(logits, dim=1).detach().numpy(), rtol=1e-10
    )
    for (dW, db), linear in zip(grads, linears, strict=True):
        np.testing.assert_allclose(dW, linear.weight.grad.numpy().T, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(db, linear.bias.grad.numpy(), rtol=1e-9, atol=1e-13)


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "factory"),
    [
        ("heavy_ball", lambda torch, p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        ("nesterov", lambda torch, p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
        ("rmsprop", lambda torch, p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
        ("adam", lambda torch, p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    ],
)
def test_optimizers_match_torch(name: str, factory: Callable[..., object]) -> None:
    torch = pytest.importorskip("torch")
    _compare_training_with_torch(torch, name, factory, weight_decay=0.0)


@pytest.mark.interop
@pytest.mark.slow
def test_adamw_matches_torch_with_decay_on_weights_only() -> None:
    torch = pytest.importorskip("torch")

    def factory(torch: object, params: list[object]) -> object:
        weights = params[0::2]
        biases = params[1::2]
        return torch.optim.AdamW(  # type: ignore[attr-defined]
            [{"params": weights, "weight_decay": 0.1}, {"params": biases, "weight_decay": 0.0}],
            lr=0.01,
            betas=(0.9, 0.999),
            eps=1e-8,
        )

    _compare_training_with_torch(torch, "adamw", factory, weight_decay=0.1)


def _compare_training_with_torch(
    torch: object, name: str, factory: Callable[..., object], *, weight_decay: float
) -> None:
    spec = NetworkSpec(2, (LayerSpec(4, "tanh"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", seed=2, dtype="float64")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 2))
    Y = rng.normal(size=(8, 1))
    model, linears = _torch_model(net, torch)
    params = [p for linear in linears for p in (linear.weight, linear.bias)]
    torch_optimizer = factory(torch, params)
    lr = {"heavy_ball": 0.1, "nesterov": 0.1}.get(name, 0.01)
    ours = make_optimizer(
        TrainingSpec(optimizer=name, momentum=0.9, rho=0.9, epsilon=1e-8, weight_decay=weight_decay)
    )
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)  # type: ignore[attr-defined]
    for _ in range(5):
        torch_optimizer.zero_grad()  # type: ignore[attr-defined]
        # Our mse carries the lectures' ½ and sums over outputs: ½ mean over rows.
        loss = 0.5 * ((model(Xt) - Yt) ** 2).sum() / len(X)  # type: ignore[operator]
        loss.backward()
        torch_optimizer.step()  # type: ignore[attr-defined]
        _, grads = net.loss_and_gradients(X, Y)
        ours.step(net.params, grads, lr)
    for (W, b), linear in zip(net.params, linears, strict=True):
        np.testing.assert_allclose(W, linear.weight.detach().numpy().T, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b, linear.bias.detach().numpy(), rtol=1e-10, atol=1e-12)
