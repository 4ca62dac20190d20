"""``kf.image``: resizing, flips and crops, colour adjustments, dtype conversion and PNG/JPEG codecs (TF 1.x names).

Images are 3-D ``[height, width, channels]`` or 4-D ``[batch, height, width, channels]`` tensors.

Example:
    >>> x = kf.image.convert_image_dtype(kf.image.decode_png(kf.read_file(path), channels=3), kf.float32)
    >>> x = kf.image.resize_images(x, [64, 64])
    >>> x = kf.image.random_flip_left_right(x, seed=1)
"""
from kflow.engine.ops.image_ops import rgb_to_hsv, hsv_to_rgb
from kflow.image.resize import (ResizeMethod, resize_images, resize, resize_bilinear, resize_nearest_neighbor,
                                resize_bicubic, resize_area)
from kflow.image.transforms import (flip_left_right, flip_up_down, transpose_image, rot90, random_flip_left_right,
                                    random_flip_up_down, central_crop, crop_to_bounding_box, pad_to_bounding_box,
                                    resize_image_with_crop_or_pad, resize_with_crop_or_pad, random_crop)
from kflow.image.color import (convert_image_dtype, rgb_to_grayscale, grayscale_to_rgb, adjust_brightness,
                               adjust_contrast, adjust_gamma, adjust_saturation, adjust_hue, random_brightness,
                               random_contrast, random_saturation, random_hue, per_image_standardization,
                               total_variation)
from kflow.image.codecs import decode_png, encode_png, decode_jpeg, encode_jpeg, decode_image
