"""``kf.keras.layers``: the layer classes of ``kflow.layers`` under their Keras names (same classes).

Example:
    >>> model = kf.keras.Sequential([kf.keras.layers.Dense(64, activation="relu", input_shape=(784,)),
    ...                              kf.keras.layers.Dense(10, activation="softmax")])
"""
from kflow.layers.base import Layer, InputSpec
from kflow.layers.core import Dense, Dropout, Flatten, Activation, Reshape, Lambda
from kflow.layers.convolutional import (Conv2D, Conv2DTranspose, Convolution2D, Convolution2DTranspose,
                                        Deconvolution2D, Deconv2D)
from kflow.layers.pooling import (MaxPooling2D, AveragePooling2D, MaxPool2D, AvgPool2D, GlobalAveragePooling2D,
                                  GlobalMaxPooling2D, GlobalAvgPool2D, GlobalMaxPool2D)
from kflow.layers.normalization import BatchNormalization
from kflow.layers.layer_normalization import LayerNormalization
from kflow.layers.embeddings import Embedding
from kflow.layers.recurrent import SimpleRNN, LSTM, GRU
from kflow.layers.wrappers import Wrapper, TimeDistributed
from kflow.layers.bidirectional import Bidirectional
from kflow.layers.advanced_activations import LeakyReLU, PReLU, ELU, ReLU, Softmax
from kflow.layers.resizing import (ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D, UpSampling1D,
                                    UpSampling2D)
from kflow.layers.convolutional1d import Conv1D, Convolution1D
from kflow.layers.pooling1d import (MaxPooling1D, AveragePooling1D, MaxPool1D, AvgPool1D, GlobalAveragePooling1D,
                                    GlobalMaxPooling1D, GlobalAvgPool1D, GlobalMaxPool1D)
from kflow.layers.merge import (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, add,
                                subtract, multiply, average, maximum, minimum, concatenate)
from kflow.layers.input_layer import Input, InputLayer
from kflow.layers.serialization import serialize_layer as serialize, deserialize_layer as deserialize

# layers of issue 15 (items 4 and 5): noise, spatial dropout, image preprocessing, sequence utilities
from kflow.layers.noise import GaussianNoise, GaussianDropout, AlphaDropout
from kflow.layers.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from kflow.layers.image_preprocessing import Rescaling, Resizing, CenterCrop
from kflow.layers.feature_normalization import Normalization
from kflow.layers.sequence_utils import RepeatVector, Masking
from kflow.layers.attention import Attention, AdditiveAttention
from kflow.layers.multi_head_attention import MultiHeadAttention
from kflow.layers.recurrent import RNN
from kflow.layers.recurrent_cells import SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells
from kflow.layers.separable_convolutional import DepthwiseConv2D, SeparableConv2D, SeparableConv1D
from kflow.layers.convolutional3d import Conv3D, MaxPooling3D, AveragePooling3D, MaxPool3D, AvgPool3D
from kflow.layers.conv_lstm import ConvLSTM2D
from kflow.layers.image_augmentation import (RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
                                             RandomContrast)
from kflow.layers.volumetric_resizing import (ZeroPadding3D, Cropping3D, UpSampling3D, GlobalAveragePooling3D,
                                              GlobalMaxPooling3D, GlobalAvgPool3D, GlobalMaxPool3D)
from kflow.layers.reshaping import Permute, ActivityRegularization
from kflow.layers.advanced_activations import ThresholdedReLU
from kflow.layers.merge import Dot, dot
from kflow.layers.image_augmentation import RandomBrightness
from kflow.layers.identity_layers import Identity, UnitNormalization
from kflow.layers.recurrent_cells import AbstractRNNCell
# Keras's other spellings of the same classes
Convolution3D = Conv3D
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
from kflow.layers.separable_convolutional import DepthwiseConv1D
from kflow.layers.conv1d_as_2d import Conv1DTranspose
from kflow.layers.categorical_preprocessing import CategoryEncoding, Discretization
# issue 15 layers (round 2)
from kflow.layers.einsum_dense import EinsumDense
from kflow.layers.group_normalization import GroupNormalization
from kflow.layers.random_cropping import RandomCrop, RandomHeight, RandomWidth
from kflow.layers.convolutional3d_transpose import (Conv3DTranspose, Convolution3DTranspose, Deconvolution3D,
                                                    Deconv3D)
from kflow.layers.conv_lstm import ConvLSTM1D, ConvLSTM3D
from kflow.layers.locally_connected import LocallyConnected1D, LocallyConnected2D

# issue 15 (round 2): text preprocessing / optimizers
from kflow.layers.index_lookup import StringLookup, IntegerLookup
from kflow.layers.hashing import Hashing, HashedCrossing
from kflow.layers.text_vectorization import TextVectorization
