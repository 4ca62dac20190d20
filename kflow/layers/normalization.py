"""Batch normalization (Ioffe & Szegedy 2015) with TF1's defaults: momentum 0.99, epsilon 1e-3.

While training the layer normalizes with the batch's mean and variance and creates update
ops moving ``moving_mean``/``moving_variance`` towards them; those ops are in
``layer.updates`` and ``GraphKeys.UPDATE_OPS`` and must be run with the train op (TF1's
``with kf.control_dependencies(kf.get_collection(kf.GraphKeys.UPDATE_OPS)):``). At
inference the moving statistics are used. ``training`` may be a bool tensor: both sets of
statistics are computed and a select picks one; the update then moves by exactly zero
when ``training`` is False.

``moving_variance`` follows TF1: where TF runs its fused kernel (``fused`` None or True, a 4-D float16/32
input normalized over axis 1 or 3) it moves towards the unbiased batch variance ``var * n / (n - 1)``, ``n``
the values per channel; elsewhere (``fused=False``, other ranks, float64) towards the biased one. The
output is normalized with the biased variance either way.

Example:
    >>> bn = BatchNormalization()
    >>> y = bn(x, training=is_training)     # weights gamma, beta, moving_mean, moving_variance
    >>> update_ops = kf.get_collection(kf.GraphKeys.UPDATE_OPS)
"""
from kflow.engine import graph as graph_mod, shapes
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.normalization_ops import bessel_corrected
from kflow import initializers
from kflow.layers import training_flag
from kflow.layers.base import Layer
from kflow import nn
from kflow.layers.gamma_beta import GammaBeta
from kflow.layers.kernel_bias import serialize


class BatchNormalization(GammaBeta, Layer):
    """Normalizes each feature (``axis``) over the batch and the other axes, then scales and shifts.

    Args:
        axis: the feature axis (or list of axes) kept; -1 for NHWC / dense features, 1 for NCHW.
        momentum: moving-average decay (``moving = moving * momentum + batch * (1 - momentum)``).
        epsilon: added to the variance.
        center / scale: whether to learn ``beta`` / ``gamma``.
        *_initializer, *_regularizer: for beta, gamma and the moving statistics.
        fused: TF1's kernel switch; here it only decides whether ``moving_variance`` tracks the unbiased batch
            variance (see the module docstring): the computation is the same.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None, virtual_batch_size=None,
                 adjustment=None, **kwargs):
        super().__init__(**kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("BatchNormalization: renorm, virtual_batch_size and adjustment are not "
                                      "supported by kflow")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.momentum = momentum
        self.epsilon = epsilon
        self._set_gamma_beta(center, scale, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                             beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer or "zeros")
        self.moving_variance_initializer = initializers.get(moving_variance_initializer or "ones")
        self.fused = fused
        self.supports_masking = True

    def build(self, input_shape):
        param_shape = self._build_gamma_beta(input_shape)
        self.moving_mean = self.add_weight("moving_mean", param_shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", param_shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        x = convert_to_tensor(inputs)
        ndims = x.shape.ndims
        training = training_flag.resolve(training)
        gamma = self._broadcast(self.gamma, ndims)
        beta = self._broadcast(self.beta, ndims)
        moving_mean = self._broadcast(self.moving_mean.value(), ndims)
        moving_var = self._broadcast(self.moving_variance.value(), ndims)
        if training is False:
            mean, variance = moving_mean, moving_var
        else:
            reduce_axes = [i for i in range(ndims) if i not in self._param_axes]
            batch_mean, batch_var = nn.moments(x, reduce_axes, keep_dims=False)
            update_var = bessel_corrected(batch_var, x) if self._tf_fused(x) else batch_var
            if not isinstance(training, bool):
                # a select, not a cond: both are cheap and the update below moves by exactly 0 at inference
                unbiased = update_var is not batch_var
                batch_mean = array_ops.where(training, batch_mean, self.moving_mean.value())
                batch_var = array_ops.where(training, batch_var, self.moving_variance.value())
                update_var = array_ops.where(training, update_var, self.moving_variance.value()) if unbiased \
                    else batch_var
            self.add_update([self._moving_average(self.moving_mean, batch_mean),
                             self._moving_average(self.moving_variance, update_var)])
            mean, variance = self._broadcast(batch_mean, ndims), self._broadcast(batch_var, ndims)
        if mean.dtype is not x.dtype:
            mean, variance = math_ops.cast(mean, x.dtype), math_ops.cast(variance, x.dtype)
        return nn.batch_normalization(x, mean, variance, beta, gamma, self.epsilon)

    def _tf_fused(self, x):
        """Whether TF1 would run this layer through its fused kernel (see the module docstring)."""
        return self.fused is not False and x.shape.ndims == 4 and self._param_axes in ([1], [3]) and \
            x.dtype.name in ("float16", "float32")

    def _moving_average(self, variable, value):
        g = graph_mod.get_default_graph()
        with g.name_scope("AssignMovingAvg") as scope:
            decay = convert_to_tensor(1.0 - self.momentum, dtype=variable.dtype)
            delta = (variable.value() - math_ops.cast(value, variable.dtype)) * decay
            return variable.assign_sub(delta, name=scope)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        config = {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon}
        for key in ("moving_mean_initializer", "moving_variance_initializer"):
            config[key] = serialize(initializers, getattr(self, key))
        return dict(super().get_config(), **config, **self._gamma_beta_config())


BatchNorm = BatchNormalization
