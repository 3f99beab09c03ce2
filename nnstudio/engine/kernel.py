"""The training step's hot path: one mini-batch's objective and gradient with reused buffers.

:meth:`Network.loss_and_gradients <nnstudio.engine.network.Network.loss_and_gradients>` is the
readable reference: it allocates every intermediate array and is what gradient checking
verifies. :class:`TrainingKernel` computes the same numbers for the trainer, faster:

* every intermediate (``Z``, ``A``, ``dZ``, ``dA`` per layer, the batch itself) lives in a
  buffer allocated once per batch size, so a step allocates no arrays and memory does not
  grow step after step;
* the step is a *plan*: a list of NumPy calls with their operands bound once per batch size
  (outputs passed positionally, constants as 0-d arrays of the network's dtype), which the
  kernel runs in one loop. For the smallest networks a step is a few dozen calls of well under
  a microsecond each, so the Python around them is what counts;
* activations are stored as (units, m) arrays: layer ``l``'s ``Zᵀ``, ``Aᵀ``, ``dZᵀ`` and
  ``dAᵀ``. Each layer's input ``[A, 1]ᵀ`` is one (fan_in + 1, m) block whose last row is ones
  and whose other rows are the previous layer's output, and the products are
  ``Zᵀ = [W; b]ᵀ [A, 1]ᵀ``, ``[dW; db] = [A, 1]ᵀ (dZᵀ)ᵀ`` and ``dAᵀ = W dZᵀ``, each one BLAS
  call on (transposed) views and no bias addition or column sum. Narrow networks keep these
  arrays C-contiguous (*feature-major*): activations write contiguous rows (a column of ones
  at the end of each sample would make every elementwise pass over 8 or 16 units strided),
  and the output's per-sample maximum and sum reduce over the first axis with contiguous
  inner loops. Networks with wide inputs and a large first layer (batch × units at least
  :data:`SAMPLE_MAJOR_MIN_ENTRIES`) keep them Fortran-ordered (*sample-major*: the
  C-contiguous (m, units) arrays they are the transposes of), because BLAS multiplies the
  untransposed ``X W`` and ``Xᵀ dZ`` of a large first layer faster: 784-256-128-10 at batch
  512 trained 4–7 % faster so, while 784-128-64-10 at batch 64 trained 2 % slower and
  networks with 2 to 64 inputs and layers of 8 to 64 units 15–35 % slower;
* the parameters are read as the blocks ``[W; b]``, which is how they lie in the network's
  flat array anyway, and the gradient of the whole network is one flat array laid out like
  :attr:`~nnstudio.engine.network.Network.flat_params` (``W₁, b₁, W₂, b₂, …``), so the optimizer
  updates all parameters with a handful of NumPy calls and a layer's gradient norm is one dot
  product over a contiguous slice;
* the inputs are standardised once, when the training set is laid out (in float64, then cast,
  so large offsets keep their variation), not batch after batch;
* the batch is gathered (``take``) into a contiguous (m, n_inputs) buffer, which NumPy fills
  several times faster than a strided block. Narrow inputs are then copied transposed into
  the first layer's input block; wide ones (at least :data:`WIDE_INPUTS` columns) are
  multiplied as they are, and the first layer adds its bias and sums its ``db`` separately
  (passes over a far smaller array than the batch). Feature-major, with at least
  :data:`ROW_PRODUCT_MIN_INPUTS` inputs, that product is ``X W`` into a sample-major buffer,
  added to the bias transposed into ``Zᵀ``;
* the targets are kept in the activations' layout, (k, n) feature-major or the transpose of
  an (n, k) array sample-major, so a batch's targets are gathered straight into their (k, m)
  buffer (see :meth:`TrainingKernel.training_data`);
* the common activations and the fused output pairings (softmax + categorical cross-entropy,
  sigmoid + binary cross-entropy, identity + squared error) are a few in-place ufunc calls;
  other activations and pairings fall back to the reference functions (on transposed views)
  for that layer.

``tests/engine/test_engine_kernel.py`` checks every activation, loss, dropout and penalty
against the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from nnstudio.engine.activations import Activation
from nnstudio.engine.losses import data_loss, output_delta
from nnstudio.engine.network import Network

__all__ = [
    "ROW_PRODUCT_MIN_INPUTS",
    "SAMPLE_MAJOR_MIN_ENTRIES",
    "WIDE_INPUTS",
    "TrainingData",
    "TrainingKernel",
]

#: Up to this many parameters, per-call overhead dominates the gradient norms' cost.
_FEW_PARAMETERS = 4096
#: From this many input columns on, the first layer reads a contiguous batch (see above).
WIDE_INPUTS = 128
#: Wide networks whose first layer's ``Z`` has at least this many entries (usual batch ×
#: units) lay their activations out sample-major (see above).
SAMPLE_MAJOR_MIN_ENTRIES = 32768
#: Feature-major networks with at least this many inputs take the first product as ``X W``
#: into a sample-major buffer (see ``TrainingKernel._allocate``).
ROW_PRODUCT_MIN_INPUTS = 512

#: One call of a plan: a function and its positional arguments.
_Op = tuple[Callable[..., object], tuple[object, ...]]


@dataclass(frozen=True, eq=False)
class TrainingData:
    """A training set in the layout :meth:`TrainingKernel.load_batch` gathers batches from.

    Attributes
    ----------
    X : ndarray, shape (n, n_inputs)
        Standardised inputs in the network's dtype (the caller's array when it needs neither
        standardising nor casting).
    targets : ndarray, shape (k, n)
        Targets in the network's dtype, one row per output unit.
    """

    X: np.ndarray
    targets: np.ndarray

    @property
    def rows(self) -> int:
        """Number of samples ``n``."""
        return self.X.shape[0]


@dataclass(eq=False)
class _Buffers:
    """Work arrays and the plan for one batch size ``m``.

    ``X`` (m, n_inputs) holds the standardised batch, ``targets`` (k, m) its targets.
    ``load_plan`` copies narrow inputs of a gathered batch transposed into the first input
    block; ``plan`` computes the data term of the objective into ``loss`` (0-d,
    still to be divided by ``loss_scale``) and the gradient into the kernel's ``grads_flat``.
    """

    m: int
    X: np.ndarray
    targets: np.ndarray
    load_plan: list[_Op]
    plan: list[_Op]
    loss: np.ndarray
    loss_scale: float


class TrainingKernel:
    """Objective and gradients of mini-batches of one network, computed in reused buffers.

    Parameters
    ----------
    network : Network
        The network to train; the kernel reads its current parameters at every call.
    batch_size : int
        The usual batch size (its buffers are made at once); other sizes (an epoch's last
        batch, a changed setting) get their own buffers on first use.
    sample_major : bool or None
        Lay the activations out sample-major rather than feature-major; ``None`` (the
        default) chooses sample-major for wide inputs and a large first layer (see
        :data:`SAMPLE_MAJOR_MIN_ENTRIES`), where it was measured faster. The results are
        the same either way.

    Attributes
    ----------
    grads_flat : ndarray, shape (n_parameters,)
        The last gradient, laid out like ``network.flat_params``.
    grads : list of [dW, db]
        Views into :attr:`grads_flat` shaped like ``network.params``.
    squared_norms : ndarray, shape (n_layers,)
        Written by :meth:`squared_layer_norms`.
    data_squared_norms : ndarray, shape (n_layers,)
        The data loss's part of them, kept when a penalty was added (see
        :meth:`data_squared_layer_norms`).
    norms : ndarray, shape (n_layers,)
        Written by :meth:`layer_norms`.
    """

    #: Batch sizes whose buffers are kept at most (the usual size and an epoch's remainder,
    #: plus a few after live batch-size changes).
    _MAX_CACHED_SIZES = 4

    def __init__(
        self, network: Network, batch_size: int, *, sample_major: bool | None = None
    ) -> None:
        self.network = network
        self.dtype = network.dtype
        self.grads_flat = np.zeros_like(network.flat_params)
        self.grads = network.split_flat(self.grads_flat)
        self._blocks = network.layer_blocks(network.flat_params)
        self._grad_blocks = network.layer_blocks(self.grads_flat)
        self._weights = [W for W, _ in network.params]
        self._activations = network.activations
        self._names = [activation.name for activation in network.activations]
        self._dropouts = [float(layer.dropout) for layer in network.spec.layers]
        self._rng: np.random.Generator | None = None
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
        #: The first layer multiplies the gathered batch as it is and adds its bias separately.
        self.wide_inputs = network.spec.inputs >= WIDE_INPUTS
        #: Whether the (units, m) buffers are laid out sample-major (see the module docstring).
        if sample_major is None:
            first_units = network.spec.layers[0].units
            sample_major = (
                self.wide_inputs
                and max(int(batch_size), 1) * first_units >= SAMPLE_MAJOR_MIN_ENTRIES
            )
        self.sample_major = bool(sample_major)
        scalar = self._scalar
        self._one, self._zero = scalar(1.0), scalar(0.0)
        self._penalty_scratch = [np.empty_like(W) for W in self._weights]

        # Gradient norms, computed with the gradient. Few parameters: square and sum per layer
        # in two calls whatever the depth, at the end. Many: one BLAS dot product per layer,
        # right after the layer's gradient is written (and still in cache).
        ranges = network.layer_flat_ranges()
        self.squared_norms = np.zeros(len(ranges), self.dtype)
        self.data_squared_norms = np.zeros(len(ranges), self.dtype)
        self._penalised = False
        self.norms = np.zeros(network.n_layers)
        self._layer_norm_ops: list[list[_Op]]
        if self.grads_flat.size <= _FEW_PARAMETERS:
            squares = np.zeros_like(self.grads_flat)
            starts = np.array([start for start, _ in ranges], dtype=np.intp)
            self._norm_plan: list[_Op] = [
                (np.multiply, (self.grads_flat, self.grads_flat, squares)),
                (partial(np.add.reduceat, squares, starts, out=self.squared_norms), ()),
            ]
            self._layer_norm_ops = [[] for _ in ranges]
        else:
            self._layer_norm_ops = []
            for index, (start, stop) in enumerate(ranges):
                g = self.grads_flat[start:stop]
                self._layer_norm_ops.append([(np.dot, (g, g, self.squared_norms[index, ...]))])
            self._norm_plan = [op for ops in self._layer_norm_ops for op in ops]

        self._buffers: dict[int, _Buffers] = {}
        self._buffers_for(max(int(batch_size), 1))

    def _scalar(self, value: float) -> np.ndarray:
        """``value`` as a 0-d array of the network's dtype.

        Ufuncs take such an operand faster than a Python number and compute exactly as with
        the number (cast to the dtype).
        """
        return np.array(value, dtype=self.dtype)

    # ---- data and buffers --------------------------------------------------------------------

    def training_data(self, X: np.ndarray, Y: np.ndarray) -> TrainingData:
        """Lay out a training set for :meth:`load_batch`.

        Parameters
        ----------
        X : ndarray, shape (n, n_inputs)
            Raw inputs, standardised here once (see
            :meth:`~nnstudio.engine.network.Network.prepare_inputs`); kept as they are, not
            copied, when already in the network's dtype and not standardised.
        Y : ndarray, shape (n, k)
            Targets in the network's dtype (copied into the activations' layout).

        Returns
        -------
        TrainingData
        """
        targets = np.ascontiguousarray(Y).T if self.sample_major else np.ascontiguousarray(Y.T)
        return TrainingData(self.network.prepare_inputs(X), targets)

    def _buffers_for(self, m: int) -> _Buffers:
        buffers = self._buffers.get(m)
        if buffers is None:
            if len(self._buffers) >= self._MAX_CACHED_SIZES:
                self._buffers.clear()
            buffers = self._allocate(m)
            self._buffers[m] = buffers
        return buffers

    def load_batch(self, data: TrainingData, rows: np.ndarray | slice) -> int:
        """Copy a batch of (standardised) rows into the buffers.

        Parameters
        ----------
        data : TrainingData
            From :meth:`training_data`.
        rows : ndarray of int or slice
            Which rows form the batch; every index must be valid (out-of-range indices are
            clipped, not reported).

        Returns
        -------
        int
            The batch's number of rows ``m``, to pass to :meth:`loss_and_gradients`.
        """
        if isinstance(rows, slice):
            start, stop, _ = rows.indices(data.X.shape[0])
            buffers = self._buffers_for(stop - start)
            np.copyto(buffers.X, data.X[rows])
            np.copyto(buffers.targets, data.targets[:, rows])
        else:
            buffers = self._buffers_for(rows.shape[0])
            # mode="clip" lets NumPy copy straight into a contiguous ``out`` (the default mode
            # goes through a temporary to be able to raise on a bad index).
            data.X.take(rows, 0, buffers.X, "clip")
            if self.sample_major:
                data.targets.T.take(rows, 0, buffers.targets.T, "clip")
            else:
                data.targets.take(rows, 1, buffers.targets, "clip")
        for function, arguments in buffers.load_plan:
            function(*arguments)
        return buffers.m

    def batch_inputs(self, m: int) -> np.ndarray:
        """The standardised inputs of the last batch of ``m`` rows loaded, shape (m, n_inputs).

        A view of a buffer the kernel reuses.
        """
        return self._buffers[m].X

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
        self._rng = rng
        for function, arguments in buffers.plan:
            function(*arguments)
        loss = float(buffers.loss) / buffers.loss_scale
        self._penalised = bool(l1 or l2)
        if self._penalised:
            np.copyto(self.data_squared_norms, self.squared_norms)
            loss += self._penalize(l1, l2)
            for function, arguments in self._norm_plan:  # the norms of the penalised gradient
                function(*arguments)
        return loss

    def squared_layer_norms(self) -> np.ndarray:
        """Squared Euclidean norm of each layer's ``(dW, db)``, shape (n_layers,).

        Computed by :meth:`loss_and_gradients` along with the gradient (so changes made to
        :attr:`grads_flat` afterwards, such as clipping, are not reflected). Returns
        :attr:`squared_norms`, which the next step overwrites.
        """
        return self.squared_norms

    def data_squared_layer_norms(self) -> np.ndarray:
        """Like :meth:`squared_layer_norms`, of the data loss's gradient alone, shape (n_layers,).

        Without a penalty the two are the same array. With one, a layer whose data gradient
        vanishes (a dead ReLU layer, say) still has the penalty's ``λ W`` in its gradient:
        these norms show that the loss itself no longer moves it.
        """
        return self.data_squared_norms if self._penalised else self.squared_norms

    def layer_norms(self) -> np.ndarray:
        """Euclidean norm of each layer's ``(dW, db)``, shape (n_layers,).

        Like :meth:`squared_layer_norms`, of the gradient as :meth:`loss_and_gradients` computed
        it. Returns :attr:`norms`, which the next call overwrites.
        """
        np.sqrt(self.squared_layer_norms(), out=self.norms)
        return self.norms

    # ---- building the plan -------------------------------------------------------------------

    def _allocate(self, m: int) -> _Buffers:
        net, dt = self.network, self.dtype
        units = [layer.units for layer in net.spec.layers]
        last = len(units) - 1
        names, acts = self._names, self._activations
        wide = self.wide_inputs

        # Sample-major: every (units, m) buffer is Fortran-ordered, i.e. the C-contiguous
        # (m, units) array it is the transpose of.
        order = "F" if self.sample_major else "C"

        def empty(*shape: int) -> np.ndarray:
            return np.zeros(shape, dt, order=order)

        def with_ones(n: int) -> np.ndarray:
            block = empty(n + 1, m)
            block[-1] = 1
            return block

        # inputs[l]: what layer l multiplies with its block, transposed: (fan_in + 1, m) with a
        # last row of ones, or for wide inputs the batch itself, (m, n_inputs), read as Xᵀ.
        X = np.zeros((m, net.spec.inputs), dt)  # C-contiguous rows: what take fills fastest
        load_plan: list[_Op] = []
        if wide:
            inputs = [X.T]
        else:
            inputs = [with_ones(net.spec.inputs)]
            load_plan.append((np.copyto, (inputs[0][:-1], X.T)))
        inputs += [with_ones(n) for n in units[:-1]]
        blocks = list(self._blocks)
        grad_blocks = list(self._grad_blocks)
        if wide:
            blocks[0] = self._weights[0]
            grad_blocks[0] = self.grads[0][0]
        plan: list[_Op] = []
        Z = [empty(n, m) for n in units]
        H: list[np.ndarray] = []
        # g'(Z) of tanh and sigmoid layers, computed from H in the forward pass while H is
        # still in cache; the backward pass then needs one multiplication.
        D: list[np.ndarray | None] = []
        keeps: list[np.ndarray | None] = []

        # np.dot writes only C-contiguous outputs, so sample-major products are written
        # transposed: Z = [A, 1] [W; b] into Zᵀ's memory.
        sample_major = self.sample_major
        # Feature-major with many inputs: Wᵀ Xᵀ reads both operands transposed, which
        # OpenBLAS's AVX-512 kernels multiply slower than X W (784-128 at batch 64: 171
        # against 145 µs). For the small Z of such networks, X W into a sample-major buffer,
        # the bias added on the way into Zᵀ, is faster; larger ones are sample-major anyway.
        Z_rows = (
            np.zeros((m, units[0]), dt)
            if wide and not sample_major and net.spec.inputs >= ROW_PRODUCT_MIN_INPUTS
            else None
        )

        def forward_product(index: int) -> None:
            # Zᵀ = [W; b]ᵀ [A, 1]ᵀ, or Wᵀ Xᵀ + b for wide inputs.
            bias = net.params[0][1][:, np.newaxis] if index == 0 and wide else None
            if index == 0 and Z_rows is not None:
                plan.append((np.dot, (X, self._weights[0], Z_rows)))
                plan.append((np.add, (Z_rows.T, bias, Z[0])))
                return
            if sample_major:
                plan.append((np.dot, (inputs[index].T, blocks[index], Z[index].T)))
            else:
                plan.append((np.dot, (blocks[index].T, inputs[index], Z[index])))
            if bias is not None:
                plan.append((np.add, (Z[0], bias, Z[0])))

        # Forward: H = g(Z), A = H * keep (into the next input block).
        for index in range(last):
            forward_product(index)
            dropout = self._dropouts[index]
            # Masks are drawn (m, units) like the reference's, so both use the same numbers.
            keep = np.zeros((m, units[index]), dt) if dropout > 0 else None
            keeps.append(keep)
            A_next = inputs[index + 1][:-1]
            with_derivative = names[index] in ("tanh", "sigmoid")
            # Sample-major, the input block's rows of ones make A a strided view, which
            # elementwise passes cross 2–2.5× slower: tanh and sigmoid are computed in place
            # in Z (the backward pass needs only D) and D from there, then copied into A.
            in_place = sample_major and with_derivative and keep is None
            if in_place:
                H_index = Z[index]
            else:
                H_index = empty(units[index], m) if keep is not None else A_next
            H.append(H_index)
            plan += self._forward_ops(acts[index], names[index], Z[index], H_index)
            D_index = empty(units[index], m) if with_derivative else None
            D.append(D_index)
            if D_index is not None:
                plan += self._derivative_ops(names[index], H_index, D_index)
            if in_place:
                plan.append((np.copyto, (A_next, H_index)))
            if keep is not None:
                plan.append((self._draw_mask, (keep, dropout)))
                plan.append((np.multiply, (H_index, keep.T, A_next)))

        # Output layer and loss.
        forward_product(last)
        k = units[last]
        scale = self._scalar(1.0 / m)
        targets = empty(k, m)
        dZ = empty(k, m)
        # np.dot writes the loss of the squared error and cross-entropy (in the dtype); the
        # reference functions return Python floats, kept in float64.
        by_dot = self._output_kind in ("identity_mse", "softmax_cce")
        loss = np.zeros((), dt if by_dot else np.float64)
        output_ops, loss_scale = self._output_ops(Z[last], dZ, targets, scale, loss)
        plan += output_ops

        # Backward: [dW; db] = [A, 1]ᵀ (dZᵀ)ᵀ, dAᵀ = W dZᵀ, dZ_prev = g'(Z_prev) ⊙ dA_prev
        # (computed in place: dZ_prev is dA_prev's buffer).
        for index in range(last, 0, -1):
            below = index - 1
            plan.append((np.dot, (inputs[index], dZ.T, grad_blocks[index])))
            plan += self._layer_norm_ops[index]
            dA = empty(units[below], m)
            if sample_major:
                plan.append((np.dot, (dZ.T, self._weights[index].T, dA.T)))
            else:
                plan.append((np.dot, (self._weights[index], dZ, dA)))
            keep = keeps[below]
            if keep is not None:
                plan.append((np.multiply, (dA, keep.T, dA)))
            plan += self._backward_ops(
                acts[below], names[below], Z[below], H[below], D[below], dA, empty(units[below], m)
            )
            dZ = dA
        plan.append((np.dot, (inputs[0], dZ.T, grad_blocks[0])))
        if wide:
            # db = dZ 1, a BLAS matrix-vector product (a reduction along rows costs more).
            ones = np.ones(m, dt)
            plan.append((np.dot, (dZ, ones, self.grads[0][1])))
        plan += self._layer_norm_ops[0]
        if not self._layer_norm_ops[0]:
            plan += self._norm_plan  # few parameters: all layers at once
        return _Buffers(m, X, targets, load_plan, plan, loss, loss_scale)

    def _forward_ops(
        self, activation: Activation, name: str, Z: np.ndarray, out: np.ndarray
    ) -> list[_Op]:
        """Calls computing ``out = g(Z)`` for a hidden layer."""
        if name == "tanh":
            return [(np.tanh, (Z, out))]
        if name == "relu":
            # Against an array of zeros: NumPy's SIMD loop, about 3× faster than a scalar 0.
            # (np.maximum takes its output by keyword only.)
            return [(partial(np.maximum, Z, np.zeros_like(Z), out=out), ())]
        if name == "identity":
            return [(np.copyto, (out, Z))]
        if name == "sigmoid":
            # 1 / (1 + exp(-z)): exp overflows to inf for very negative z, giving exactly 0.
            return [
                (np.negative, (Z, out)),
                (np.exp, (out, out)),
                (np.add, (out, self._one, out)),
                (np.reciprocal, (out, out)),
            ]
        if name == "leaky_relu" and activation.alpha <= 1:
            # max(z, αz) is z for z > 0 and αz otherwise when α <= 1.
            return [
                (np.multiply, (Z, self._scalar(activation.alpha), out)),
                (partial(np.maximum, Z, out, out=out), ()),
            ]
        # The reference functions work on (m, units) arrays: transposed views of the buffers.
        return [(_apply_reference, (activation.forward, (Z.T,), out.T))]

    def _derivative_ops(self, name: str, H: np.ndarray, D: np.ndarray) -> list[_Op]:
        """Calls computing ``D = g'(Z)`` from ``H = g(Z)`` for tanh and sigmoid layers."""
        if name == "tanh":
            return [(np.multiply, (H, H, D)), (np.subtract, (self._one, D, D))]  # 1 - h²
        return [(np.subtract, (self._one, H, D)), (np.multiply, (D, H, D))]  # h (1 - h)

    def _backward_ops(
        self,
        activation: Activation,
        name: str,
        Z: np.ndarray,
        H: np.ndarray,
        D: np.ndarray | None,
        dA: np.ndarray,
        tmp: np.ndarray,
    ) -> list[_Op]:
        """Calls turning ``dA`` into ``dZ = g'(Z) ⊙ dA`` in place for a hidden layer.

        ``H = g(Z)``; ``D = g'(Z)`` for tanh and sigmoid (see :meth:`_derivative_ops`).
        """
        if D is not None:
            return [(np.multiply, (dA, D, dA))]
        if name == "identity":
            return []  # g' = 1
        if name == "relu":
            return [(np.greater, (Z, self._zero, tmp)), (np.multiply, (dA, tmp, dA))]
        if name == "leaky_relu":
            alpha = activation.alpha
            return [
                (np.greater, (Z, self._zero, tmp)),  # 1 where z > 0, else 0
                (np.multiply, (tmp, self._scalar(1 - alpha), tmp)),
                (np.add, (tmp, self._scalar(alpha), tmp)),
                (np.multiply, (dA, tmp, dA)),
            ]
        return [(_apply_reference, (activation.backward, (Z.T, H.T, dA.T), dA.T))]

    def _output_ops(
        self,
        Z: np.ndarray,
        dZ: np.ndarray,
        Y: np.ndarray,
        scale: np.ndarray,
        loss: np.ndarray,
    ) -> tuple[list[_Op], float]:
        """Calls computing the output layer's loss (into ``loss``) and ``dZ`` on (k, m) arrays.

        Returns the calls and the number the loss is divided by afterwards.
        """
        kind = self._output_kind
        k, m = Z.shape
        if kind == "softmax_cce":
            row = np.zeros(m, self.dtype)
            A = np.zeros_like(Z)
            # Shift each sample by its largest logit: exp then never overflows and the sum is
            # at least 1, so its logarithm is finite.
            return [
                (partial(np.maximum.reduce, Z, 0, out=row), ()),
                (np.subtract, (Z, row, Z)),
                (np.exp, (Z, A)),
                (np.dot, (np.ones(k, self.dtype), A, row)),  # Σ exp, a BLAS product
                (np.divide, (A, row, A)),  # softmax
                (np.log, (row, row)),
                # -log softmax = log Σ exp(shifted) - shifted;  m·J = Σ y ⊙ (-log softmax).
                (np.subtract, (row, Z, Z)),
                (np.dot, (Y.ravel("K"), Z.ravel("K"), loss)),
                (np.subtract, (A, Y, dZ)),
                (np.multiply, (dZ, scale, dZ)),
            ], float(m)
        if kind == "identity_mse":
            # J = 1/(2m) Σ (ŷ - y)², dJ/dZ = (ŷ - y)/m.
            flat = dZ.ravel("K")
            return [
                (np.subtract, (Z, Y, dZ)),
                (np.dot, (flat, flat, loss)),
                (np.multiply, (dZ, scale, dZ)),
            ], 2.0 * m
        activation = self._activations[-1]
        loss_fn = self.network.loss_fn
        A = np.zeros_like(Z)
        if kind == "sigmoid_bce":
            return [
                *self._forward_ops(activation, "sigmoid", Z, A),
                (_apply_reference, (loss_fn.value_from_logits, (Z.T, Y.T), loss)),
                (np.subtract, (A, Y, dZ)),
                (np.multiply, (dZ, scale, dZ)),
            ], 1.0
        # The reference functions work on (m, k) arrays: transposed views of the buffers.
        return [
            (_apply_reference, (activation.forward, (Z.T,), A.T)),
            (_apply_reference, (partial(output_delta, loss_fn, activation), (Z.T, A.T, Y.T), dZ.T)),
            (_apply_reference, (partial(data_loss, loss_fn, activation), (Z.T, A.T, Y.T), loss)),
        ], 1.0

    # ---- pieces ------------------------------------------------------------------------------

    def _draw_mask(self, keep: np.ndarray, dropout: float) -> None:
        """Fill ``keep`` with the inverted-dropout multiplier: 0 or ``1/(1 - p)``."""
        generator = self.network._dropout_rng if self._rng is None else self._rng
        keep_probability = 1.0 - dropout
        generator.random(dtype=self.dtype, out=keep)
        np.less(keep, keep_probability, out=keep)  # 1.0 where kept, 0.0 where dropped
        keep /= self.dtype.type(keep_probability)

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

    # ---- what the last step dropped ----------------------------------------------------------

    def kept_units(self, m: int, row: int = 0) -> tuple[np.ndarray | None, ...]:
        """Which units the last step of ``m`` rows kept for one sample, per layer.

        Read from the masks :meth:`loss_and_gradients` drew into its buffers (the very ones
        that step multiplied with), after the step: the step itself does no extra work for
        it. Meaningless before a step of ``m`` rows has run.

        Parameters
        ----------
        m : int
            Rows of the last step's batch (as :meth:`load_batch` returned).
        row : int
            The sample's row within that batch (0: the batch's first).

        Returns
        -------
        tuple of (ndarray of bool, shape (units,)) or None
            One entry per layer: a new array, ``True`` where the unit was kept, for layers
            with dropout; ``None`` for the others (and for every layer when no buffers of
            ``m`` rows exist, or ``row`` is outside the batch).
        """
        buffers = self._buffers.get(m)
        if buffers is None or not 0 <= row < m:
            return (None,) * self.network.n_layers
        # The masks are the first operands of the plan's _draw_mask calls, in layer order.
        masks = iter(
            arguments[0] for function, arguments in buffers.plan if function == self._draw_mask
        )
        return tuple(
            next(masks)[row] > 0 if index < len(self._dropouts) - 1 and dropout > 0 else None
            for index, dropout in enumerate(self._dropouts)
        )


def _apply_reference(
    function: Callable[..., np.ndarray | float], arguments: tuple[np.ndarray, ...], out: np.ndarray
) -> None:
    """``out[...] = function(*arguments)``: a reference function inside a plan."""
    out[...] = function(*arguments)
