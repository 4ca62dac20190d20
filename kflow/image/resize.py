"""``kf.image`` resizing: resize_images / resize and the four TF1 resize ops by name.

The arithmetic (one separable linear map per method, its gradient the transposed map) lives in
``kflow.engine.ops.image_ops``; this file gives TF1's signatures: 3-D images (one image) or 4-D batches,
``method`` as a :class:`ResizeMethod` value or a name, ``preserve_aspect_ratio``.

Example:
    >>> small = kf.image.resize_images(images, [14, 14], method=kf.image.ResizeMethod.AREA)
    >>> big = kf.image.resize_bilinear(images, [56, 56], align_corners=True)
"""
from kflow.engine.ops import image_ops, shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.params import partial_shape


class ResizeMethod:
    """TF1's resize method codes (``kf.image.ResizeMethod.BILINEAR`` ...)."""
    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_BY_METHOD = {ResizeMethod.BILINEAR: "ResizeBilinear", ResizeMethod.NEAREST_NEIGHBOR: "ResizeNearestNeighbor",
              ResizeMethod.BICUBIC: "ResizeBicubic", ResizeMethod.AREA: "ResizeArea", "bilinear": "ResizeBilinear",
              "nearest": "ResizeNearestNeighbor", "nearest_neighbor": "ResizeNearestNeighbor",
              "bicubic": "ResizeBicubic", "area": "ResizeArea"}


def _batched(images, fn, op_type):
    """Runs ``fn`` on a 4-D batch; a 3-D image is given a batch axis of 1 and loses it again."""
    x = convert_to_tensor(images)
    rank = x.shape.ndims
    if rank not in (3, 4):
        raise ValueError("%s: images must be 3-D [height, width, channels] or 4-D [batch, height, width, channels], "
                         "got shape %s for '%s'" % (op_type, x.shape, x.name))
    if rank == 4:
        return fn(x)
    return shape_ops.squeeze(fn(shape_ops.expand_dims(x, 0)), [0])


def _resize_op(method):
    def resize_op(images, size, align_corners=False, name=None, half_pixel_centers=False):
        if half_pixel_centers and method == "ResizeArea":
            raise ValueError("resize_area: TF1's ResizeArea has no half_pixel_centers option")
        return _batched(images, lambda x: image_ops.resize(x, size, method, align_corners, half_pixel_centers,
                                                           name), method)
    resize_op.__name__ = {"ResizeBilinear": "resize_bilinear", "ResizeNearestNeighbor": "resize_nearest_neighbor",
                          "ResizeBicubic": "resize_bicubic", "ResizeArea": "resize_area"}[method]
    resize_op.__doc__ = ("TF1's ``%s`` op: resizes 4-D (or 3-D) ``images`` to ``size`` = [new_height, new_width].\n\n"
                         "    Example:\n        >>> kf.image.%s(x, [32, 32], align_corners=True)\n"
                         % (method, resize_op.__name__))
    return resize_op


resize_bilinear = _resize_op("ResizeBilinear")
resize_nearest_neighbor = _resize_op("ResizeNearestNeighbor")
resize_bicubic = _resize_op("ResizeBicubic")
resize_area = _resize_op("ResizeArea")


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
                  name=None):
    """Resizes ``images`` (3-D or 4-D NHWC) to ``size`` with ``method`` (a ResizeMethod or its name).

    As in TF1, a resize to the images' own (static) size returns them unchanged, nearest neighbour keeps the
    dtype and the other methods give float32 (kflow keeps float64 as float64). With ``preserve_aspect_ratio``
    the images are scaled to fit inside ``size`` (static shapes only).

    Example:
        >>> kf.image.resize_images(x, [64, 64], method=kf.image.ResizeMethod.BICUBIC)
    """
    op_type = _BY_METHOD.get(method.lower() if isinstance(method, str) else method)
    if op_type is None:
        raise ValueError("resize_images: unknown method %r (use kf.image.ResizeMethod: BILINEAR, NEAREST_NEIGHBOR, "
                         "BICUBIC or AREA)" % (method,))
    x = convert_to_tensor(images)
    hw = x.shape.dims[-3:-1] if x.shape.ndims in (3, 4) else [None, None]
    target = partial_shape(size)
    if preserve_aspect_ratio:
        if target is None or None in target or None in hw:
            raise ValueError("resize_images: preserve_aspect_ratio needs static image and target sizes, got image "
                             "shape %s and size %r" % (x.shape, size))
        scale = min(target[0] / hw[0], target[1] / hw[1])
        target = [max(1, int(round(hw[0] * scale))), max(1, int(round(hw[1] * scale)))]
        size = target
    if target is not None and list(target) == list(hw):
        return x
    return _batched(x, lambda b: image_ops.resize(b, size, op_type, align_corners, False, name), op_type)


def resize(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False, name=None):
    """``tf.compat.v1.image.resize``: the same as :func:`resize_images`."""
    return resize_images(images, size, method, align_corners, preserve_aspect_ratio, name)
