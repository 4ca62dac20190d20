"""Keras 2's module paths as aliases: ``keras.layers.core``, ``.convolutional``, ``.recurrent``, ``.pooling``,
``.merge``, ``.normalization``, ``.embeddings``, ``.wrappers``, ``.advanced_activations``, ``.noise``, ``.local``, and
``keras.engine`` (``.topology``, ``.training``, ``.base_layer``, ``.input_layer``).

Keras 2 programs import layers from the modules that defined them (``from keras.layers.core import Dense``).
kflow keeps one flat ``kf.keras.layers``; each Keras 2 module here is a module object registered under its
dotted name (so ``import`` finds it) and set as an attribute of its parent (so ``keras.layers.core.Dense``
works), holding the same classes.

Example:
    >>> from kflow.keras.layers.core import Dense
    >>> from kflow.keras.engine.topology import Layer
    >>> Dense is kf.keras.layers.Dense
    True
"""
import sys
import types

from kflow.keras import layers
from kflow.keras.model.network import Network
from kflow.keras.model.training import Model
from kflow.layers.base import InputSpec, Layer
from kflow.layers.input_layer import Input, InputLayer

# Keras 2.2's module for each layer name that kflow has
LAYER_MODULES = {
    "core": "Dense Dropout Flatten Activation Reshape Lambda Masking RepeatVector SpatialDropout1D SpatialDropout2D "
            "SpatialDropout3D Permute ActivityRegularization",
    "convolutional": "Conv1D Conv2D Conv2DTranspose Convolution1D Convolution2D Convolution2DTranspose "
                     "Deconvolution2D Deconv2D ZeroPadding1D ZeroPadding2D Cropping1D Cropping2D UpSampling1D "
                     "UpSampling2D DepthwiseConv2D SeparableConv2D SeparableConv1D Conv3D ZeroPadding3D Cropping3D "
                     "UpSampling3D DepthwiseConv1D Conv1DTranspose Conv3DTranspose Deconvolution3D Deconv3D",
    "recurrent": "RNN SimpleRNN LSTM GRU SimpleRNNCell LSTMCell GRUCell StackedRNNCells",
    "convolutional_recurrent": "ConvLSTM2D",
    "pooling": "MaxPooling1D MaxPooling2D AveragePooling1D AveragePooling2D MaxPool1D MaxPool2D AvgPool1D AvgPool2D "
               "GlobalMaxPooling1D GlobalMaxPooling2D GlobalAveragePooling1D GlobalAveragePooling2D "
               "GlobalMaxPool1D GlobalMaxPool2D GlobalAvgPool1D GlobalAvgPool2D MaxPooling3D AveragePooling3D "
               "MaxPool3D AvgPool3D GlobalAveragePooling3D GlobalMaxPooling3D GlobalAvgPool3D GlobalMaxPool3D",
    "merge": "Add Subtract Multiply Average Maximum Minimum Concatenate add subtract multiply average maximum "
             "minimum concatenate Dot dot",
    "normalization": "BatchNormalization LayerNormalization",
    "embeddings": "Embedding",
    "wrappers": "Wrapper TimeDistributed Bidirectional",
    "advanced_activations": "LeakyReLU PReLU ELU ReLU Softmax ThresholdedReLU",
    "noise": "GaussianNoise GaussianDropout AlphaDropout",
    "local": "LocallyConnected1D LocallyConnected2D",
}

_ENGINE = {"Layer": Layer, "InputSpec": InputSpec, "Input": Input, "InputLayer": InputLayer, "Network": Network,
           "Model": Model}
ENGINE_MODULES = {
    "": "Layer InputSpec Input InputLayer Model Network",
    "topology": "Layer InputSpec Input InputLayer Network",
    "base_layer": "Layer InputSpec",
    "input_layer": "Input InputLayer",
    "network": "Network",
    "training": "Model",
}


def _register(parent, dotted, names, lookup):
    module = types.ModuleType(dotted, "Keras 2's `%s`: an alias of kflow's classes of the same names."
                              % dotted.replace("kflow.", "", 1))
    for name in names.split():
        setattr(module, name, lookup(name))
    module.__all__ = names.split()
    sys.modules[dotted] = module
    setattr(parent, dotted.rsplit(".", 1)[1], module)
    return module


def install(keras_module):
    """Registers every alias module under ``keras_module`` (``kflow.keras``)."""
    for short, names in LAYER_MODULES.items():
        _register(layers, layers.__name__ + "." + short, names, lambda n: getattr(layers, n))
    engine = _register(keras_module, keras_module.__name__ + ".engine", ENGINE_MODULES[""], _ENGINE.get)
    for short, names in ENGINE_MODULES.items():
        if short:
            _register(engine, engine.__name__ + "." + short, names, _ENGINE.get)
