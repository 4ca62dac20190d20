"""Image summaries of any numeric dtype: integer images other than uint8 are rescaled as TF's summary does
(convert_image_dtype to uint8, saturating); float16/float64 images are scaled like float32."""
import numpy as np
import pytest

import kflow as kf
from kflow.summary.png import decode_png


def _png(images):
    with kf.Session() as sess:
        data = sess.run(kf.summary.image("img", kf.constant(images), max_outputs=1))
    return decode_png(kf.Summary.FromString(data).value[0].image.encoded_image_string)


@pytest.mark.parametrize("dtype,shift", [(np.int32, 23), (np.uint16, 8), (np.int16, 7), (np.int64, 55)])
def test_integer_images_are_rescaled_to_uint8(dtype, shift):
    levels = np.array([0, 1, 100, 255], np.int64).reshape(1, 2, 2, 1)
    out = _png((levels << shift).astype(dtype))
    np.testing.assert_array_equal(out[:, :, 0], levels[0, :, :, 0])


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_other_float_images_scale_like_float32(dtype):
    img = np.array([[[[0.0], [0.5]], [[1.0], [2.0]]]], dtype)
    np.testing.assert_array_equal(_png(img)[:, :, 0], [[0, 63], [127, 255]])
