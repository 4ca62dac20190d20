"""kf.sparse: SparseTensor and sparse-to-dense conversion (facade)."""
from kflow.sparse.sparse_tensor import SparseTensor, SparseTensorValue
from kflow.sparse.sparse_ops import to_dense, sparse_tensor_to_dense

__all__ = ["SparseTensor", "SparseTensorValue", "to_dense", "sparse_tensor_to_dense"]
