"""A fully connected feedforward network built from a :class:`~nnstudio.spec.NetworkSpec`.

Rows are samples. With ``A[0]`` the (standardised) input, layer ``l = 1 … L`` computes::

    Z[l] = A[l-1] @ W[l] + b[l]        W[l]: (fan_in, fan_out), b[l]: (fan_out,)
    A[l] = g_l(Z[l]) ⊙ M[l]            M[l]: inverted-dropout mask, 0 or 1/(1-p), hidden
                                       layers while training only (otherwise 1)

and backpropagation runs the same recursion backwards::

    dZ[L]   = output_delta(...)        fused (Ŷ - Y)/m for sigmoid+BCE and softmax+CCE
    dW[l]   = A[l-1]ᵀ dZ[l] + λ₂ W[l] + λ₁ sign(W[l]),    db[l] = Σ_rows dZ[l]
    dA[l-1] = (dZ[l] @ W[l]ᵀ) ⊙ M[l-1]
    dZ[l-1] = g'_{l-1}(Z[l-1]) ⊙ dA[l-1]   (softmax: its Jacobian-vector product)

In code the layers are indexed from 0 (``params[0]`` is layer 1); user-facing messages count
from 1 ("layer 2").

The network always takes *raw* inputs: the stored :class:`~nnstudio.spec.Standardization`
is applied first, so ``A[0]`` is the standardised input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.engine.activations import Activation, get_activation
from nnstudio.engine.initializers import initialize_layer, random_stream, resolve_dtype
from nnstudio.engine.losses import Loss, check_pairing, data_loss, get_loss, output_delta
from nnstudio.engine.products import matmul
from nnstudio.errors import DataError, SpecError
from nnstudio.spec import NetworkSpec, Standardization, Weights

__all__ = [
    "EVALUATION_CHUNK_ROWS",
    "Forward",
    "Gradients",
    "Network",
    "check_fits_dtype",
    "global_norm",
]

#: Rows per forward pass when a whole data set is evaluated.
EVALUATION_CHUNK_ROWS = 4096
#: Numbers standardised at a time: the float64 scratch of a large data set stays small, in
#: cache and reused (MNIST's 48,000 × 784 in one piece: two 300 MB temporaries, 0.7 s; in
#: pieces of this size: 0.06 s).
STANDARDIZE_CHUNK_CELLS = 1 << 18

#: One ``(dW, db)`` pair per layer, shaped like the parameters.
Gradients = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Forward:
    """Everything a forward pass computed.

    Attributes
    ----------
    Z : tuple of ndarray
        Pre-activations per layer, ``Z[l]`` shaped (m, units of layer l).
    A : tuple of ndarray
        ``A[0]`` is the standardised input (m, n_inputs); ``A[l + 1]`` is layer ``l``'s output
        after dropout, shaped like ``Z[l]``. ``len(A) == len(Z) + 1``.
    masks : tuple of (ndarray or None)
        Per layer, the inverted-dropout multiplier (0 for dropped units, ``1/(1-p)`` for kept
        ones) shaped like ``Z[l]``, or ``None`` where no dropout was applied.
    """

    Z: tuple[np.ndarray, ...]
    A: tuple[np.ndarray, ...]
    masks: tuple[np.ndarray | None, ...]

    @property
    def output(self) -> np.ndarray:
        """The network output ``A[-1]``, shape (m, k)."""
        return self.A[-1]


def check_fits_dtype(
    values: np.ndarray,
    dtype: str | np.dtype,
    *,
    role: str = "input",
    names: Sequence[str] | None = None,
) -> None:
    """Refuse finite values too large for ``dtype`` (they would become infinite when cast).

    Parameters
    ----------
    values : ndarray, shape (m, n) or (m,)
        Raw values, float64 (or any wider type than ``dtype``).
    dtype : str or numpy.dtype
        The dtype the values are about to be cast to.
    role : str
        What the columns are, for the message (``"input"``, ``"training target"``).
    names : sequence of str or None
        Column names; columns are numbered from 1 when not given.

    Raises
    ------
    DataError
        Naming the first such column and a value in it, and what to do about it.
    """
    target = np.dtype(dtype)
    values = np.asarray(values)
    if values.dtype.kind != "f" or values.dtype.itemsize <= target.itemsize or not values.size:
        return  # nothing that fits values.dtype can overflow target
    limit = float(np.finfo(target).max)
    # fmax/fmin skip NaN. The whole array first (a contiguous pass, several times faster than
    # per column on millions of rows); only if it holds a large value, its columns.
    flat = values.reshape(-1) if values.flags.c_contiguous else values.ravel()
    if max(float(np.fmax.reduce(flat)), -float(np.fmin.reduce(flat))) <= limit:
        return
    columns = values.reshape(values.shape[0], -1)
    peaks = np.maximum(np.fmax.reduce(columns, axis=0), -np.fmin.reduce(columns, axis=0))
    for column in np.flatnonzero(peaks > limit).tolist():
        cells = columns[:, column]
        beyond = np.flatnonzero(np.isfinite(cells) & (np.abs(cells) > limit))
        if not beyond.size:
            continue  # only infinities: reported as such by whoever checks finiteness
        name = (
            repr(names[column])
            if names is not None and len(names) == columns.shape[1]
            else str(column + 1)
        )
        raise DataError(
            f"{role} column {name} holds {float(cells[beyond[0]]):.6g}, too large for "
            f"{target.name} (at most about ±{limit:.4g}); choose float64 in the training "
            "settings, or rescale the column"
        )


def _validate_spec(spec: NetworkSpec, loss: str) -> None:
    """Raise :class:`SpecError` listing every structural problem of ``spec`` with ``loss``."""
    problems: list[str] = []
    if spec.inputs < 1:
        problems.append(f"network.inputs: needs at least 1 input, got {spec.inputs}")
    if not spec.layers:
        problems.append("network.layers: needs at least one layer (the output layer)")
    last = len(spec.layers) - 1
    for i, layer in enumerate(spec.layers):
        path = f"network.layers[{i}]"
        if layer.units < 1:
            problems.append(f"{path}.units: needs at least 1 unit, got {layer.units}")
        try:
            get_activation(layer.activation, layer.alpha)
        except SpecError as exc:
            problems.extend(f"{path}.{p}" for p in exc.problems)
        if layer.activation == "softmax" and i != last:
            problems.append(f"{path}.activation: softmax is only allowed on the output layer")
        if not 0.0 <= layer.dropout < 1.0:
            problems.append(f"{path}.dropout: must be in [0, 1), got {layer.dropout:g}")
        elif i == last and layer.dropout:
            problems.append(f"{path}.dropout: the output layer cannot use dropout")
    if spec.layers:
        try:
            check_pairing(loss, spec.output)
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)


class Network:
    """A dense feedforward network with its parameters.

    Build one with :meth:`from_spec`. ``params`` is a list of ``[W, b]`` lists that optimizers
    update in place.

    Attributes
    ----------
    spec : NetworkSpec
        The architecture.
    loss_name : str
        Name of the training loss.
    loss_fn : Loss
        The loss object.
    activations : list of Activation
        One per layer.
    dtype : numpy.dtype
        ``float32`` or ``float64``; parameters and computations use it.
    params : list of [W, b]
        ``W`` shaped (fan_in, fan_out), ``b`` shaped (fan_out,).
    standardization : Standardization or None
        Applied to raw inputs before the first layer.
    target_standardization : Standardization or None
        Regression targets' statistics: the network learns standardised targets
        (:meth:`prepare_targets`) and :meth:`predict` scales its outputs back to the targets'
        units. :meth:`forward` and the losses stay in standardised units.
    seed : int
        Seed of the default dropout stream (used when ``forward`` gets no ``rng``).
    """

    def __init__(
        self,
        spec: NetworkSpec,
        loss: str,
        params: Sequence[Sequence[np.ndarray]],
        *,
        dtype: str | np.dtype = "float32",
        standardization: Standardization | None = None,
        seed: int = 0,
        target_standardization: Standardization | None = None,
    ) -> None:
        _validate_spec(spec, loss)
        self.spec = spec
        self.loss_name = loss
        self.loss_fn: Loss = get_loss(loss)
        self.dtype = resolve_dtype(dtype)
        self.activations: list[Activation] = [
            get_activation(layer.activation, layer.alpha) for layer in spec.layers
        ]
        if standardization is not None and (
            len(standardization.mean) != spec.inputs or len(standardization.std) != spec.inputs
        ):
            raise SpecError(
                f"standardization: has {len(standardization.mean)} means and "
                f"{len(standardization.std)} standard deviations but the network has "
                f"{spec.inputs} inputs"
            )
        self.standardization = standardization
        outputs = spec.output.units
        if target_standardization is not None and (
            len(target_standardization.mean) != outputs
            or len(target_standardization.std) != outputs
        ):
            raise SpecError(
                f"target_standardization: has {len(target_standardization.mean)} means and "
                f"{len(target_standardization.std)} standard deviations but the network has "
                f"{outputs} outputs"
            )
        self.target_standardization = target_standardization
        self.seed = int(seed)
        self._dropout_rng = random_stream(self.seed, "dropout")
        # All parameters live in one contiguous array (W₁, b₁, W₂, b₂, …); ``params`` holds views
        # into it, so the optimizer can update everything with a few whole-array operations.
        self._shapes = list(spec.weight_shapes())
        self.flat_params = np.zeros(
            sum(math.prod(w) + math.prod(b) for w, b in self._shapes), self.dtype
        )
        self.params: list[list[np.ndarray]] = self.split_flat(self.flat_params)
        self.set_weights(params)

    # ---- construction --------------------------------------------------------------------

    @classmethod
    def from_spec(
        cls,
        spec: NetworkSpec,
        loss: str,
        *,
        seed: int = 0,
        dtype: str | np.dtype = "float32",
        weights: Weights | None = None,
        standardization: Standardization | None = None,
        target_standardization: Standardization | None = None,
    ) -> Network:
        """Build a network, initialising its weights from ``seed`` unless ``weights`` are given.

        Parameters
        ----------
        spec : NetworkSpec
        loss : str
            One of :data:`nnstudio.spec.LOSSES`; must suit the output layer.
        seed : int
            Seed of initialisation (each layer has its own stream, so editing one layer
            keeps the others' initial weights) and of the default dropout stream.
        dtype : str
            ``"float32"`` (default) or ``"float64"``.
        weights : Weights or None
            Trained parameters to use instead of a random initialisation.
        standardization : Standardization or None
            Input standardisation applied inside :meth:`forward`.
        target_standardization : Standardization or None
            Regression targets' statistics (see the class attributes).

        Raises
        ------
        SpecError
            For an invalid architecture, a loss that does not fit the output layer, or
            weights whose shapes do not match (naming the layer and both shapes).
        """
        _validate_spec(spec, loss)
        dt = resolve_dtype(dtype)
        if weights is None:
            params = [
                initialize_layer(layer, fan_in, random_stream(seed, "init", index), dt)
                for index, (layer, fan_in) in enumerate(zip(spec.layers, spec.sizes, strict=False))
            ]
        else:
            params = [tuple(pair) for pair in weights]
        return cls(
            spec,
            loss,
            params,
            dtype=dt,
            standardization=standardization,
            seed=seed,
            target_standardization=target_standardization,
        )

    def copy(self, dtype: str | np.dtype | None = None) -> Network:
        """An independent copy, optionally converted to another dtype.

        Parameters
        ----------
        dtype : str or None
            Target dtype; ``None`` keeps the current one.
        """
        return Network(
            self.spec,
            self.loss_name,
            self.weights(),
            dtype=self.dtype if dtype is None else dtype,
            standardization=self.standardization,
            seed=self.seed,
            target_standardization=self.target_standardization,
        )

    # ---- parameters ----------------------------------------------------------------------

    def split_flat(self, flat: np.ndarray) -> list[list[np.ndarray]]:
        """Views ``[W, b]`` per layer into an array laid out like :attr:`flat_params`.

        Parameters
        ----------
        flat : ndarray, shape (n_parameters,)

        Returns
        -------
        list of [W, b]
            ``W`` shaped (fan_in, fan_out) and ``b`` shaped (fan_out,), sharing ``flat``'s memory.
        """
        views: list[list[np.ndarray]] = []
        start = 0
        for w_shape, b_shape in self._shapes:
            w_stop = start + math.prod(w_shape)
            b_stop = w_stop + math.prod(b_shape)
            views.append([flat[start:w_stop].reshape(w_shape), flat[w_stop:b_stop]])
            start = b_stop
        return views

    def layer_blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """Each layer's ``[W; b]`` as one (fan_in + 1, fan_out) view into ``flat``.

        ``W`` is followed by ``b`` in the flat layout, so stacking ``b`` under ``W`` is just a
        reshape: ``[A, 1] @ [W; b] = A @ W + b`` then needs one matrix product, and
        ``[A, 1]ᵀ dZ`` gives ``dW`` and ``db`` together.

        Parameters
        ----------
        flat : ndarray, shape (n_parameters,)
            Laid out like :attr:`flat_params`.

        Returns
        -------
        list of ndarray, each shaped (fan_in + 1, fan_out)
        """
        return [
            flat[start:stop].reshape(w_shape[0] + 1, w_shape[1])
            for (start, stop), (w_shape, _) in zip(
                self.layer_flat_ranges(), self._shapes, strict=True
            )
        ]

    def layer_flat_ranges(self) -> list[tuple[int, int]]:
        """``(start, stop)`` of each layer's ``W`` and ``b`` together in :attr:`flat_params`."""
        ranges: list[tuple[int, int]] = []
        start = 0
        for w_shape, b_shape in self._shapes:
            stop = start + math.prod(w_shape) + math.prod(b_shape)
            ranges.append((start, stop))
            start = stop
        return ranges

    @property
    def n_layers(self) -> int:
        """Number of layers with parameters (hidden layers plus the output layer)."""
        return len(self.params)

    @property
    def parameter_count(self) -> int:
        """Number of trainable parameters (weights and biases)."""
        return int(sum(W.size + b.size for W, b in self.params))

    def weights(self) -> Weights:
        """Copies of the parameters as a :data:`~nnstudio.spec.Weights` tuple."""
        return tuple((W.copy(), b.copy()) for W, b in self.params)

    def set_weights(self, weights: Weights | Sequence[Sequence[np.ndarray]]) -> None:
        """Overwrite the parameters (copied and cast to the network's dtype, in place).

        Raises
        ------
        SpecError
            When the number of layers or a shape does not match, naming the layer (1-based)
            and both shapes, or when a value is not finite.
        """
        pairs = list(weights)
        if len(pairs) != len(self.params):
            raise SpecError(
                f"weights: have {len(pairs)} layers but the network {self.spec.describe()} "
                f"has {len(self.params)}"
            )
        checked: list[tuple[np.ndarray, np.ndarray]] = []
        for index, (pair, (W_old, b_old)) in enumerate(zip(pairs, self.params, strict=True)):
            label = f"weights: layer {index + 1}"
            if len(pair) != 2:
                raise SpecError(f"{label}: expected a (W, b) pair, got {len(pair)} arrays")
            try:
                W = np.asarray(pair[0], dtype=np.float64)
                b = np.asarray(pair[1], dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise SpecError(f"{label}: not numeric ({exc})") from None
            if W.shape != W_old.shape:
                raise SpecError(
                    f"{label}: W has shape {W.shape} but the network needs {W_old.shape}"
                )
            if b.shape != b_old.shape:
                raise SpecError(
                    f"{label}: b has shape {b.shape} but the network needs {b_old.shape}"
                )
            if not (np.isfinite(W).all() and np.isfinite(b).all()):
                raise SpecError(f"{label}: contains NaN or infinite values")
            checked.append((W, b))
        for (W_old, b_old), (W, b) in zip(self.params, checked, strict=True):
            np.copyto(W_old, W, casting="same_kind")
            np.copyto(b_old, b, casting="same_kind")

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """Regularisation term ``l1 Σ|W| + (l2/2) Σ W²`` over weights (never biases)."""
        total = 0.0
        if l1:
            total += l1 * sum(float(np.abs(W).sum(dtype=np.float64)) for W, _ in self.params)
        if l2:
            total += (
                0.5 * l2 * sum(float(np.square(W).sum(dtype=np.float64)) for W, _ in self.params)
            )
        return total

    def parameters_finite(self) -> bool:
        """Whether every parameter is finite."""
        return all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in self.params)

    # ---- input checks --------------------------------------------------------------------

    def prepare_inputs(self, X: np.ndarray) -> np.ndarray:
        """Standardise raw inputs and cast them to the network dtype.

        Standardisation is computed in float64 and cast afterwards: a feature with a large
        offset (a timestamp, 1e9 + small changes) keeps its variation, which float32 would
        round away before the offset is subtracted.

        Parameters
        ----------
        X : array_like, shape (m, n_inputs)

        Returns
        -------
        ndarray, shape (m, n_inputs)
            In the network's dtype; ``X`` itself when it needs neither casting nor
            standardising.

        Raises
        ------
        DataError
            When ``X`` is not a numeric 2-D array with ``n_inputs`` columns, or holds values
            too large for the network's dtype (naming the column).
        """
        try:
            X = np.asarray(X)
            if X.dtype.kind not in "fiub":
                X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"inputs are not numeric: {exc}") from None
        if X.ndim != 2:
            raise DataError(
                f"inputs must be a 2-D array with one row per sample, got {X.ndim} dimension(s)"
            )
        if X.shape[1] != self.spec.inputs:
            raise DataError(
                f"inputs have {X.shape[1]} column(s) but the network expects {self.spec.inputs}"
            )
        check_fits_dtype(X, self.dtype)
        standardization = self.standardization
        if standardization is None:
            return np.asarray(X, dtype=self.dtype)
        mean = np.asarray(standardization.mean, dtype=np.float64)
        std = np.asarray(standardization.std, dtype=np.float64)
        m, n = X.shape
        rows = max(STANDARDIZE_CHUNK_CELLS // max(n, 1), 1)
        if m <= rows:
            return np.asarray((X - mean) / std, dtype=self.dtype)
        out = np.empty(X.shape, dtype=self.dtype)
        scratch = np.empty((rows, n))
        for start in range(0, m, rows):
            stop = min(start + rows, m)
            part = scratch[: stop - start]
            np.subtract(X[start:stop], mean, out=part)
            np.divide(part, std, out=part)
            out[start:stop] = part
        return out

    def prepare_targets(self, Y: np.ndarray, m: int) -> np.ndarray:
        """Targets as the network learns them: standardised (when it standardises its
        targets), cast to the network dtype, shape checked.

        Parameters
        ----------
        Y : array_like, shape (m, k) or (m,) when k == 1
            Targets in their own units.
        m : int
            Number of input rows.

        Returns
        -------
        ndarray, shape (m, k)

        Raises
        ------
        DataError
            When the shape does not match ``(m, k)`` or a value is too large for the
            network's dtype.
        """
        k = self.spec.output.units
        try:
            Y = np.asarray(Y)
            if Y.dtype.kind not in "fiub":
                Y = Y.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"targets are not numeric: {exc}") from None
        if Y.ndim == 1 and k == 1:
            Y = Y.reshape(-1, 1)
        scaling = self.target_standardization
        if scaling is not None and Y.shape == (m, k):
            # In float64, before the cast: large targets keep their variation.
            Y = scaling.apply(np.asarray(Y, dtype=np.float64))
        if Y.ndim:
            check_fits_dtype(Y, self.dtype, role="target")
        Y = np.asarray(Y, dtype=self.dtype)
        if Y.shape != (m, k):
            raise DataError(
                f"targets have shape {Y.shape} but the network's {m} input row(s) and "
                f"{k} output unit(s) need {(m, k)}"
            )
        return Y

    # ---- forward -------------------------------------------------------------------------

    def forward(
        self,
        X: np.ndarray,
        *,
        training: bool = False,
        rng: np.random.Generator | None = None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> Forward:
        """Run the network on raw inputs.

        Parameters
        ----------
        X : array_like, shape (m, n_inputs)
            Raw inputs; the stored standardisation is applied first.
        training : bool
            Apply inverted dropout to hidden layers with ``dropout > 0``.
        rng : numpy.random.Generator or None
            Source of the dropout masks; ``None`` uses the network's own dropout stream.
        masks : sequence of (ndarray or None) or None
            Fixed dropout multipliers, one entry per layer shaped (m, units) or ``None``;
            when given they are used as they are (whatever ``training`` says), which makes a
            dropout network a deterministic function for gradient checking.

        Returns
        -------
        Forward
        """
        return self._forward_prepared(
            self.prepare_inputs(X), training=training, rng=rng, masks=masks
        )

    def _forward_prepared(
        self,
        A: np.ndarray,
        *,
        training: bool = False,
        rng: np.random.Generator | None = None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> Forward:
        """:meth:`forward` on inputs already cast and standardised by :meth:`prepare_inputs`."""
        m = A.shape[0]
        fixed = self._check_masks(masks, m)
        Zs: list[np.ndarray] = []
        As: list[np.ndarray] = [A]
        Ms: list[np.ndarray | None] = []
        for index, ((W, b), activation, layer) in enumerate(
            zip(self.params, self.activations, self.spec.layers, strict=True)
        ):
            Z = matmul(A, W)
            Z += b  # in place: the product is a new array
            A = activation.forward(Z)
            mask: np.ndarray | None = None
            if fixed is not None:
                mask = fixed[index]
            elif training and layer.dropout > 0:
                generator = self._dropout_rng if rng is None else rng
                keep = 1.0 - layer.dropout
                draws = generator.random(Z.shape, dtype=self.dtype)
                mask = (draws < keep).astype(self.dtype) / self.dtype.type(keep)
            if mask is not None:
                A = A * mask
            Zs.append(Z)
            As.append(A)
            Ms.append(mask)
        return Forward(Z=tuple(Zs), A=tuple(As), masks=tuple(Ms))

    def _check_masks(
        self, masks: Sequence[np.ndarray | None] | None, m: int
    ) -> list[np.ndarray | None] | None:
        if masks is None:
            return None
        masks = list(masks)
        if len(masks) != self.n_layers:
            raise ValueError(f"masks: expected {self.n_layers} entries, got {len(masks)}")
        if masks[-1] is not None:
            raise ValueError("masks: the output layer cannot use dropout")
        out: list[np.ndarray | None] = []
        for index, (mask, layer) in enumerate(zip(masks, self.spec.layers, strict=True)):
            if mask is None:
                out.append(None)
                continue
            mask = np.asarray(mask, dtype=self.dtype)
            if mask.shape != (m, layer.units):
                raise ValueError(
                    f"masks: layer {index + 1} mask has shape {mask.shape}, "
                    f"expected {(m, layer.units)}"
                )
            out.append(mask)
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions in inference mode (no dropout), in the targets' units.

        Parameters
        ----------
        X : array_like, shape (m, n_inputs)
            Raw inputs.

        Returns
        -------
        ndarray, shape (m, k)
            The output layer's activations, scaled back with the target standardisation
            when there is one.
        """
        return self.output_values(self.forward(X).output)

    def output_values(self, outputs: np.ndarray) -> np.ndarray:
        """The output layer's activations in the targets' units.

        Parameters
        ----------
        outputs : ndarray, shape (..., k)
            Output-layer activations, as :meth:`forward` computes them.

        Returns
        -------
        ndarray, shape (..., k)
            ``outputs * std + mean`` with the target standardisation; ``outputs`` itself
            without one.
        """
        scaling = self.target_standardization
        return outputs if scaling is None else scaling.unapply(np.asarray(outputs))

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Each layer's output ``A[1:]`` in inference mode, one (m, units) array per layer."""
        return list(self.forward(X).A[1:])

    def pre_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """Each layer's ``Z`` in inference mode, one (m, units) array per layer."""
        return list(self.forward(X).Z)

    # ---- loss and gradients --------------------------------------------------------------

    def _data_loss(self, forward: Forward, Y: np.ndarray) -> float:
        return data_loss(self.loss_fn, self.activations[-1], forward.Z[-1], forward.A[-1], Y)

    def data_loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Batch-mean loss without the regularisation penalty, in inference mode."""
        loss, _ = self.evaluate(X, Y)
        return loss

    def evaluate(
        self, X: np.ndarray, Y: np.ndarray, *, chunk_rows: int = EVALUATION_CHUNK_ROWS
    ) -> tuple[float, np.ndarray]:
        """Data loss (no penalty) and outputs in inference mode.

        Large sets are run in chunks of rows, so the intermediate activations never take more
        memory than one chunk's (and stay in cache); the loss is the row-weighted mean of the
        chunks' losses.

        Parameters
        ----------
        X : array_like, shape (m, n_inputs)
        Y : array_like, shape (m, k)
        chunk_rows : int
            Rows per forward pass.

        Returns
        -------
        loss : float
        outputs : ndarray, shape (m, k)
        """
        X = self.prepare_inputs(X)
        m = X.shape[0]
        Y = self.prepare_targets(Y, m)
        if m <= chunk_rows:
            forward = self._forward_prepared(X)
            return self._data_loss(forward, Y), forward.output
        outputs = np.empty((m, self.spec.output.units), self.dtype)
        total = 0.0
        for start in range(0, m, chunk_rows):
            stop = min(start + chunk_rows, m)
            forward = self._forward_prepared(X[start:stop])
            outputs[start:stop] = forward.output
            total += self._data_loss(forward, Y[start:stop]) * (stop - start)
        return total / m, outputs

    def loss(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        training: bool = False,
        rng: np.random.Generator | None = None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> float:
        """Objective ``J = data loss + l1 Σ|W| + (l2/2) Σ W²``.

        Parameters
        ----------
        X : array_like, shape (m, n_inputs)
        Y : array_like, shape (m, k)
        l1, l2 : float
            Penalty strengths (weights only, never biases).
        training, rng, masks
            As in :meth:`forward`.

        Returns
        -------
        float
        """
        forward = self.forward(X, training=training, rng=rng, masks=masks)
        Y = self.prepare_targets(Y, forward.A[0].shape[0])
        return self._data_loss(forward, Y) + self.penalty(l1, l2)

    def loss_and_gradients(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        training: bool = False,
        rng: np.random.Generator | None = None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> tuple[float, Gradients]:
        """Objective and its gradient by backpropagation.

        Parameters
        ----------
        X : array_like, shape (m, n_inputs)
        Y : array_like, shape (m, k)
        l1, l2 : float
            Penalty strengths; L1 uses the subgradient ``sign(W)`` (0 at 0).
        training, rng, masks
            As in :meth:`forward` (dropout while training).

        Returns
        -------
        loss : float
            Data loss plus penalty.
        grads : list of (dW, db)
            ``dW`` shaped (fan_in, fan_out), ``db`` shaped (fan_out,), per layer.
        """
        forward = self.forward(X, training=training, rng=rng, masks=masks)
        Y = self.prepare_targets(Y, forward.A[0].shape[0])
        value = self._data_loss(forward, Y) + self.penalty(l1, l2)
        grads = self.backward(forward, Y, l1=l1, l2=l2)
        return value, grads

    def backward(
        self, forward: Forward, Y: np.ndarray, *, l1: float = 0.0, l2: float = 0.0
    ) -> Gradients:
        """Backpropagate through a stored forward pass.

        Parameters
        ----------
        forward : Forward
            The result of :meth:`forward` on the same parameters.
        Y : ndarray, shape (m, k)
            Targets already checked by :meth:`prepare_targets`.
        l1, l2 : float
            Penalty strengths.

        Returns
        -------
        list of (dW, db)
        """
        grads: list[tuple[np.ndarray, np.ndarray]] = []
        for (W, _b), A, dZ in zip(
            self.params, forward.A[:-1], self.deltas(forward, Y), strict=True
        ):
            dW = matmul(A.T, dZ)
            if l2:
                dW += self.dtype.type(l2) * W
            if l1:
                dW += self.dtype.type(l1) * np.sign(W)
            grads.append((dW, dZ.sum(axis=0)))
        return grads

    def deltas(self, forward: Forward, Y: np.ndarray) -> list[np.ndarray]:
        """Every layer's error ``δ = ∂J/∂Z`` for a stored forward pass (``J`` the batch-mean
        data loss), from the output back: ``δ[L]`` from the loss, then
        ``δ[l] = (δ[l+1] W[l+1]ᵀ) ⊙ g'(Z[l])`` (times the dropout mask where one was used).

        For one example (``m = 1``) these are the lecture notes' per-example errors of each
        neuron, and ``A[l-1]ᵀ δ[l]`` its contribution to ``dW[l]``.

        Parameters
        ----------
        forward : Forward
            The result of :meth:`forward` on the same parameters.
        Y : ndarray, shape (m, k)
            Targets already checked by :meth:`prepare_targets`.

        Returns
        -------
        list of ndarray
            ``δ`` of each layer, shaped (m, units) like ``forward.Z``.
        """
        L = self.n_layers
        dZ = output_delta(self.loss_fn, self.activations[-1], forward.Z[-1], forward.A[-1], Y)
        found: list[np.ndarray] = [dZ]
        for index in range(L - 1, 0, -1):
            dA = matmul(dZ, self.params[index][0].T)
            below = index - 1
            mask = forward.masks[below]
            if mask is None:
                H = forward.A[index]
            else:
                dA *= mask
                # The activation's derivative needs its output before dropout.
                H = self.activations[below].forward(forward.Z[below])
            dZ = self.activations[below].backward(forward.Z[below], H, dA)
            found.append(dZ)
        return found[::-1]

    def __repr__(self) -> str:
        return (
            f"Network({self.spec.describe()}, loss={self.loss_name!r}, dtype={self.dtype.name}, "
            f"parameters={self.parameter_count})"
        )


def global_norm(grads: Gradients) -> float:
    """Euclidean norm of all gradient entries together."""
    total = sum(
        float(np.square(dW).sum(dtype=np.float64) + np.square(db).sum(dtype=np.float64))
        for dW, db in grads
    )
    return math.sqrt(total)
