"""The training step's hot path: one mini-batch's objective and gradient with reused buffers.

:meth:`Network.loss_and_gradients <nnstudio.engine.network.Network.loss_and_gradients>` is the
readable reference: it allocates every intermediate array and is what gradient checking
verifies. :class:`TrainingKernel` computes the same numbers for the trainer, faster:

* every intermediate (``Z``, ``A``, ``dZ``, ``dA`` per layer, the batch itself) lives in a
  buffer allocated once per batch size and written with ``out=``, so a step allocates no large
  arrays and memory does not grow step after step;
* each layer's input carries a trailing column of ones and its parameters are read as the
  block ``[W; b]`` (how they lie in the flat array anyway), so ``Z = [A, 1] @ [W; b]`` and
  ``[dW; db] = [A, 1]ᵀ dZ`` are one matrix product each instead of a product plus a bias
  addition or a column sum;
* the gradient of the whole network is one flat array laid out like the network's
  :attr:`~nnstudio.engine.network.Network.flat_params` (``W₁, b₁, W₂, b₂, …``), so the
  optimizer updates all parameters with a handful of NumPy calls and a layer's gradient norm is
  one dot product over a contiguous slice;
* the common activations and the fused output pairings (softmax + categorical cross-entropy,
  sigmoid + binary cross-entropy, identity + squared error) run as a few in-place ufunc calls;
  other activations and pairings fall back to the reference functions for that layer.

For the smallest networks (2-8-8-1 with a batch of 10) a step is about 40 NumPy calls, so the
Python overhead per call is what matters; for large ones the matrix products dominate and the
rest must stay out of their way. ``tests/engine/test_engine_kernel.py`` checks every activation,
loss, dropout and penalty against the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine.activations import Activation
from nnstudio.engine.losses import data_loss, output_delta
from nnstudio.engine.network import Network

__all__ = ["TrainingKernel"]

#: Up to this many parameters, per-call overhead dominates the gradient norms' cost.
_FEW_PARAMETERS = 4096


@dataclass(eq=False)
class _Buffers:
    """Work arrays for one batch size ``m`` (rows are samples).

    ``inputs[l]`` is the input of layer ``l`` with a trailing column of ones, shaped
    (m, fan_in + 1): ``inputs[0]`` holds the standardised batch, ``inputs[l + 1][:, :-1]`` is
    layer ``l``'s output after dropout. ``Z[l]``, ``H[l]`` (activation output before dropout;
    a view into ``inputs[l + 1]`` when the layer has no dropout), ``dZ[l]``, ``dA[l]``,
    ``tmp[l]`` (scratch) and ``keep[l]`` (dropout multipliers or None) are shaped
    (m, units of layer l). ``Y`` (m, k) holds the targets.
    """

    m: int
    inputs: list[np.ndarray]
    inputs_T: list[np.ndarray]  # transposed views of ``inputs``, made once
    X: np.ndarray
    Y: np.ndarray
    Z: list[np.ndarray]
    H: list[np.ndarray]
    dZ: list[np.ndarray]
    dA: list[np.ndarray]
    tmp: list[np.ndarray]
    keep: list[np.ndarray | None]
    zeros: list[np.ndarray | None]  # zeros shaped like Z[l] for ReLU layers
    row: np.ndarray  # (m, 1) scratch for row-wise reductions
    output_delta_flat: np.ndarray  # dZ of the output layer as one (m * k,) view


class TrainingKernel:
    """Objective and gradients of mini-batches of one network, computed in reused buffers.

    Parameters
    ----------
    network : Network
        The network to train; the kernel reads its current parameters at every call.
    batch_size : int
        The usual batch size (its buffers are made at once); other sizes (an epoch's last
        batch, a changed setting) get their own buffers on first use.

    Attributes
    ----------
    grads_flat : ndarray, shape (n_parameters,)
        The last gradient, laid out like ``network.flat_params``.
    grads : list of [dW, db]
        Views into :attr:`grads_flat` shaped like ``network.params``.
    """

    #: Batch sizes whose buffers are kept at most (the usual size and an epoch's remainder,
    #: plus a few after live batch-size changes).
    _MAX_CACHED_SIZES = 4

    def __init__(self, network: Network, batch_size: int) -> None:
        self.network = network
        self.dtype = network.dtype
        self.grads_flat = np.zeros_like(network.flat_params)
        self.grads = network.split_flat(self.grads_flat)
        self._blocks = network.layer_blocks(network.flat_params)
        self._grad_blocks = network.layer_blocks(self.grads_flat)
        self._weights = [W for W, _ in network.params]
        self._weights_T = [W.T for W in self._weights]
        # Contiguous (dW, db) slice per layer: one dot product gives the layer's squared norm.
        ranges = network.layer_flat_ranges()
        self._layer_grads = [self.grads_flat[start:stop] for start, stop in ranges]
        # Few parameters: square and sum per layer in three calls whatever the depth. Many: one
        # BLAS dot product per layer reads the gradient once instead of three times.
        self._layer_starts = np.array([start for start, _ in ranges], dtype=np.intp)
        few = self.grads_flat.size <= _FEW_PARAMETERS
        self._squares = np.zeros_like(self.grads_flat) if few else None
        self._layer_sums = np.zeros(len(ranges), self.dtype)
        self._buffers: dict[int, _Buffers] = {}
        self._activations = network.activations
        self._names = [activation.name for activation in network.activations]
        self._dropouts = [float(layer.dropout) for layer in network.spec.layers]
        loss = network.loss_fn
        output = self._names[-1]
        if loss.name == "categorical_crossentropy" and output == "softmax":
            self._output_kind = "softmax_cce"
        elif loss.name == "binary_crossentropy" and output == "sigmoid":
            self._output_kind = "sigmoid_bce"
        elif loss.name == "mse" and output == "identity":
            self._output_kind = "identity_mse"
        else:
            self._output_kind = "reference"
        standardization = network.standardization
        self._mean: np.ndarray | None = None
        self._std: np.ndarray | None = None
        if standardization is not None:
            self._mean = np.asarray(standardization.mean, dtype=self.dtype)
            self._std = np.asarray(standardization.std, dtype=self.dtype)
        self._penalty_scratch = [np.empty_like(W) for W in self._weights]
        self.norms = np.zeros(network.n_layers)
        self._buffers_for(max(int(batch_size), 1))

    # ---- buffers -----------------------------------------------------------------------------

    def _buffers_for(self, m: int) -> _Buffers:
        buffers = self._buffers.get(m)
        if buffers is None:
            if len(self._buffers) >= self._MAX_CACHED_SIZES:
                self._buffers.clear()
            buffers = self._allocate(m)
            self._buffers[m] = buffers
        return buffers

    def _allocate(self, m: int) -> _Buffers:
        net, dt = self.network, self.dtype
        units = [layer.units for layer in net.spec.layers]

        def zeros(n: int) -> np.ndarray:
            return np.zeros((m, n), dt)

        def with_ones(n: int) -> np.ndarray:
            block = np.zeros((m, n + 1), dt)
            block[:, -1] = 1
            return block

        inputs = [with_ones(net.spec.inputs)] + [with_ones(n) for n in units[:-1]]
        keep = [zeros(n) if p > 0 else None for n, p in zip(units, self._dropouts, strict=True)]
        H: list[np.ndarray] = []
        for index, n in enumerate(units):
            last = index == len(units) - 1
            # Without dropout a hidden layer writes its activations straight into the next
            # layer's input block.
            H.append(zeros(n) if last or keep[index] is not None else inputs[index + 1][:, :-1])
        dZ = [zeros(n) for n in units]
        return _Buffers(
            m=m,
            inputs=inputs,
            inputs_T=[block.T for block in inputs],
            X=inputs[0][:, :-1],
            Y=zeros(units[-1]),
            Z=[zeros(n) for n in units],
            H=H,
            dZ=dZ,
            dA=[zeros(n) for n in units],
            tmp=[zeros(n) for n in units],
            keep=keep,
            zeros=[
                zeros(n) if name == "relu" else None
                for n, name in zip(units, self._names, strict=True)
            ],
            row=np.zeros((m, 1), dt),
            output_delta_flat=dZ[-1].reshape(-1),
        )

    def load_batch(
        self, X: np.ndarray, Y: np.ndarray, rows: np.ndarray | slice
    ) -> tuple[np.ndarray, np.ndarray]:
        """Copy a batch of raw rows into the buffers and standardise it.

        Parameters
        ----------
        X : ndarray, shape (n, n_inputs)
            Raw inputs in the network's dtype.
        Y : ndarray, shape (n, k)
            Targets in the network's dtype.
        rows : ndarray of int or slice
            Which rows form the batch.

        Returns
        -------
        X_batch : ndarray, shape (m, n_inputs)
            The standardised batch (a view of a buffer owned by the kernel).
        Y_batch : ndarray, shape (m, k)
        """
        if isinstance(rows, slice):
            start, stop, _ = rows.indices(X.shape[0])
            buffers = self._buffers_for(stop - start)
            np.copyto(buffers.X, X[rows])
            np.copyto(buffers.Y, Y[rows])
        else:
            buffers = self._buffers_for(rows.shape[0])
            X.take(rows, axis=0, out=buffers.X)
            Y.take(rows, axis=0, out=buffers.Y)
        if self._mean is not None:
            np.subtract(buffers.X, self._mean, out=buffers.X)
            np.divide(buffers.X, self._std, out=buffers.X)
        return buffers.X, buffers.Y

    # ---- the step ----------------------------------------------------------------------------

    def loss_and_gradients(
        self,
        m: int,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> float:
        """Objective of the loaded batch and its gradient (into :attr:`grads_flat`).

        Dropout is active (training mode). Floating-point warnings are the caller's business
        (the trainer checks for non-finite values itself).

        Parameters
        ----------
        m : int
            Rows of the batch last passed to :meth:`load_batch`.
        l1, l2 : float
            Penalty strengths (weights only).
        rng : numpy.random.Generator or None
            Source of dropout masks (the network's own stream when ``None``).

        Returns
        -------
        float
            Data loss plus penalty, as
            :meth:`~nnstudio.engine.network.Network.loss_and_gradients` computes it.
        """
        buffers = self._buffers[m]
        blocks = self._blocks
        acts = self._activations
        names = self._names
        inputs = buffers.inputs
        last = len(blocks) - 1

        # np.dot with out= is BLAS like matmul but costs less per call, which is what counts
        # for the smallest networks; every operand is contiguous (or a transposed view).
        dot = np.dot
        inputs_T = buffers.inputs_T

        # Forward: Z = [A_prev, 1] @ [W; b], H = g(Z), A = H * keep (into the next input block).
        for index in range(last):
            Z = buffers.Z[index]
            dot(inputs[index], blocks[index], out=Z)
            H = buffers.H[index]
            self._activate(acts[index], names[index], Z, H, buffers.zeros[index])
            keep = buffers.keep[index]
            if keep is not None:
                self._draw_mask(keep, self._dropouts[index], rng)
                np.multiply(H, keep, out=inputs[index + 1][:, :-1])
        Z = buffers.Z[last]
        dot(inputs[last], blocks[last], out=Z)
        loss = self._output(Z, buffers, m)

        # Backward: [dW; db] = [A_prev, 1]ᵀ dZ, dA_prev = dZ Wᵀ, dZ_prev = g'(Z_prev) ⊙ dA_prev.
        dZ = buffers.dZ[last]
        grad_blocks = self._grad_blocks
        weights_T = self._weights_T
        for index in range(last, 0, -1):
            dot(inputs_T[index], dZ, out=grad_blocks[index])
            below = index - 1
            dA = buffers.dA[below]
            dot(dZ, weights_T[index], out=dA)
            keep = buffers.keep[below]
            if keep is not None:
                dA *= keep
            dZ_below = buffers.dZ[below]
            self._backpropagate(acts[below], names[below], buffers, below, dA, dZ_below)
            dZ = dZ_below
        dot(inputs_T[0], dZ, out=grad_blocks[0])

        if l1 or l2:
            loss += self._penalize(l1, l2)
        return loss

    def layer_norms(self) -> np.ndarray:
        """Euclidean norm of each layer's ``(dW, db)`` in :attr:`grads_flat`, shape (n_layers,).

        The returned array is reused by the next call.
        """
        sums = self._layer_sums
        if self._squares is not None:
            np.multiply(self.grads_flat, self.grads_flat, out=self._squares)
            np.add.reduceat(self._squares, self._layer_starts, out=sums)
        else:
            for index, g in enumerate(self._layer_grads):
                sums[index] = np.dot(g, g)
        np.sqrt(sums, out=self.norms)
        return self.norms

    # ---- pieces ------------------------------------------------------------------------------

    def _draw_mask(self, keep: np.ndarray, dropout: float, rng: np.random.Generator | None) -> None:
        """Fill ``keep`` with the inverted-dropout multiplier: 0 or ``1/(1 - p)``."""
        generator = self.network._dropout_rng if rng is None else rng
        keep_probability = 1.0 - dropout
        generator.random(dtype=self.dtype, out=keep)
        np.less(keep, keep_probability, out=keep)  # 1.0 where kept, 0.0 where dropped
        keep /= self.dtype.type(keep_probability)

    @staticmethod
    def _activate(
        activation: Activation,
        name: str,
        Z: np.ndarray,
        out: np.ndarray,
        zeros: np.ndarray | None = None,
    ) -> None:
        """``out = g(Z)``; ReLU layers pass ``zeros``, an array of zeros shaped like ``Z``."""
        if name == "tanh":
            np.tanh(Z, out=out)
        elif name == "relu":
            # Against an array of zeros: NumPy's SIMD loop, about 3× faster than a scalar 0.
            np.maximum(Z, 0 if zeros is None else zeros, out=out)
        elif name == "identity":
            np.copyto(out, Z)
        elif name == "sigmoid":
            # 1 / (1 + exp(-z)): exp overflows to inf for very negative z, giving exactly 0.
            np.negative(Z, out=out)
            np.exp(out, out=out)
            out += 1
            np.reciprocal(out, out=out)
        elif name == "leaky_relu" and activation.alpha <= 1:
            # max(z, αz) is z for z > 0 and αz otherwise when α <= 1.
            np.multiply(Z, activation.alpha, out=out)
            np.maximum(Z, out, out=out)
        else:
            np.copyto(out, activation.forward(Z))

    @staticmethod
    def _backpropagate(
        activation: Activation,
        name: str,
        buffers: _Buffers,
        index: int,
        dA: np.ndarray,
        dZ: np.ndarray,
    ) -> None:
        """``dZ = g'(Z) ⊙ dA`` for hidden layer ``index``."""
        Z, H, tmp = buffers.Z[index], buffers.H[index], buffers.tmp[index]
        if name == "tanh":
            np.multiply(H, H, out=tmp)
            np.subtract(1, tmp, out=tmp)
            np.multiply(dA, tmp, out=dZ)
        elif name == "relu":
            np.greater(Z, 0, out=tmp)
            np.multiply(dA, tmp, out=dZ)
        elif name == "identity":
            np.copyto(dZ, dA)
        elif name == "sigmoid":
            np.subtract(1, H, out=tmp)
            tmp *= H
            np.multiply(dA, tmp, out=dZ)
        elif name == "leaky_relu":
            np.greater(Z, 0, out=tmp)  # 1 where z > 0, else 0
            tmp *= 1 - activation.alpha
            tmp += activation.alpha
            np.multiply(dA, tmp, out=dZ)
        else:
            np.copyto(dZ, activation.backward(Z, H, dA))

    def _output(self, Z: np.ndarray, buffers: _Buffers, m: int) -> float:
        """Output activation, data loss and ``dZ`` of the output layer (into the buffers)."""
        last = len(buffers.Z) - 1
        A, dZ, Y, row = buffers.H[last], buffers.dZ[last], buffers.Y, buffers.row
        kind = self._output_kind
        if kind == "identity_mse":
            # J = 1/(2m) Σ (ŷ - y)², dJ/dZ = (ŷ - y)/m.
            np.subtract(Z, Y, out=dZ)
            flat = buffers.output_delta_flat
            loss = 0.5 * float(np.dot(flat, flat)) / m
            dZ *= self.dtype.type(1.0 / m)
            return loss
        if kind == "softmax_cce":
            # Shift each row by its maximum; log Σ exp then gives the loss from the logits.
            tmp = buffers.tmp[last]
            np.maximum.reduce(Z, axis=1, out=row[:, 0])
            np.subtract(Z, row, out=tmp)
            np.exp(tmp, out=A)
            np.add.reduce(A, axis=1, out=row[:, 0])
            A /= row
            np.log(row, out=row)
            # -log softmax = log Σ exp(shifted) - shifted;  J = (1/m) Σ y ⊙ (-log softmax).
            np.subtract(row, tmp, out=tmp)
            tmp *= Y
            loss = float(np.add.reduce(tmp, axis=None, dtype=np.float64)) / m
            np.subtract(A, Y, out=dZ)
            dZ *= self.dtype.type(1.0 / m)
            return loss
        activation = self._activations[last]
        loss_fn = self.network.loss_fn
        if kind == "sigmoid_bce":
            self._activate(activation, "sigmoid", Z, A)
            loss = loss_fn.value_from_logits(Z, Y)
            np.subtract(A, Y, out=dZ)
            dZ *= self.dtype.type(1.0 / m)
            return loss
        np.copyto(A, activation.forward(Z))
        np.copyto(dZ, output_delta(loss_fn, activation, Z, A, Y))
        return data_loss(loss_fn, activation, Z, A, Y)

    def _penalize(self, l1: float, l2: float) -> float:
        """Add the penalty's gradient to each ``dW`` and return the penalty's value."""
        penalty = 0.0
        scale = self.dtype.type
        for (dW, _), W, scratch in zip(
            self.grads, self._weights, self._penalty_scratch, strict=True
        ):
            if l2:
                flat = W.reshape(-1)
                penalty += 0.5 * l2 * float(np.dot(flat, flat))
                np.multiply(W, scale(l2), out=scratch)
                dW += scratch
            if l1:
                np.abs(W, out=scratch)
                penalty += l1 * float(np.add.reduce(scratch, axis=None, dtype=np.float64))
                np.sign(W, out=scratch)
                scratch *= scale(l1)
                dW += scratch
        return penalty
