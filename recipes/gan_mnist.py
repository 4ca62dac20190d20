"""A DCGAN-style generative adversarial network on Fashion-MNIST (or MNIST), the Keras way.

The generator maps 64-dim noise to 28x28 images with transposed convolutions; the discriminator is a
small strided CNN. As in the Keras GAN examples: compile D, set ``D.trainable = False``, compile the
combined model ``z -> D(G(z))``; Keras's rule (``trainable`` is read at compile) makes
``D.train_on_batch`` train D and ``combined.train_on_batch`` train only G. After each epoch a 4x4 grid
of samples (fixed noise) is saved as a PNG (with Pillow; a PGM file when Pillow is not installed) and
logged to TensorBoard as an image summary.

    python recipes/gan_mnist.py --epochs 5
    tensorboard --logdir runs/gan_mnist/logs
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import kflow as kf  # noqa: E402
from common import load_dataset, parser_with_common_flags, run  # noqa: E402

try:
    from PIL import Image
except ImportError:  # Pillow is optional: samples are then written as PGM
    Image = None

layers = kf.keras.layers
NOISE = 64


def build_generator():
    return kf.keras.Sequential([
        layers.Dense(7 * 7 * 64, input_shape=(NOISE,)), layers.LeakyReLU(0.2), layers.Reshape((7, 7, 64)),
        layers.Conv2DTranspose(32, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")], name="generator")


def build_discriminator():
    return kf.keras.Sequential([
        layers.Conv2D(32, 4, strides=2, padding="same", input_shape=(28, 28, 1)), layers.LeakyReLU(0.2),
        layers.Conv2D(64, 4, strides=2, padding="same"), layers.LeakyReLU(0.2), layers.Flatten(),
        layers.Dropout(0.3), layers.Dense(1, activation="sigmoid")], name="discriminator")


def build_gan():
    generator, discriminator = build_generator(), build_discriminator()
    discriminator.compile(kf.keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5), "binary_crossentropy",
                          metrics=["accuracy"])
    discriminator.trainable = False  # frozen in the combined model only: D was compiled above
    z = kf.keras.Input(shape=(NOISE,))
    combined = kf.keras.Model(z, discriminator(generator(z)), name="combined")
    combined.compile(kf.keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5), "binary_crossentropy")
    return generator, discriminator, combined


def grid(images, rows=4):
    """(N, 28, 28, 1) floats in [0, 1] as one (rows*28, cols*28) uint8 image."""
    cols = len(images) // rows
    tiles = (images[:rows * cols, :, :, 0] * 255).clip(0, 255).astype(np.uint8)
    return tiles.reshape(rows, cols, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28)


def save_image(array, path):
    """Writes ``path + ".png"`` with Pillow, else ``path + ".pgm"``; returns the file written."""
    if Image is not None:
        Image.fromarray(array).save(path + ".png")
        return path + ".png"
    with open(path + ".pgm", "wb") as f:
        f.write(b"P5 %d %d 255\n" % (array.shape[1], array.shape[0]) + array.tobytes())
    return path + ".pgm"


def main(argv=None):
    parser = parser_with_common_flags(__doc__, epochs=5, batch_size=64)
    parser.set_defaults(dataset="fashion_mnist")
    parser.add_argument("--out", default="runs/gan_mnist", help="sample grids and TensorBoard logs go here")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    np.random.seed(args.seed)
    kf.set_random_seed(args.seed)
    (x_train, _), _ = load_dataset(args.dataset, args.data_dir, args.limit)
    x_train = x_train.reshape(-1, 28, 28, 1)
    print("%s: %d training images%s" % (args.dataset, len(x_train), "" if Image else " (no Pillow: PGM samples)"))

    generator, discriminator, combined = build_gan()
    combined.summary(expand_nested=True)
    os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
    grid_input = kf.placeholder(kf.uint8, [1, 4 * 28, 4 * 28, 1])
    image_summary = kf.summary.image("samples", grid_input)
    writer = kf.summary.FileWriter(os.path.join(args.out, "logs"))
    fixed_noise = np.random.normal(size=(16, NOISE)).astype(np.float32)
    ones, zeros = np.ones((args.batch_size, 1), np.float32), np.zeros((args.batch_size, 1), np.float32)
    steps = max(len(x_train) // args.batch_size, 1)
    files = []
    for epoch in range(args.epochs):
        order = np.random.permutation(len(x_train))
        for step in range(steps):
            real = x_train[order[step * args.batch_size:(step + 1) * args.batch_size]]
            noise = np.random.normal(size=(len(real), NOISE)).astype(np.float32)
            fake = generator.predict(noise)
            d_loss_real, d_acc_real = discriminator.train_on_batch(real, ones[:len(real)])
            d_loss_fake, d_acc_fake = discriminator.train_on_batch(fake, zeros[:len(real)])
            g_loss = combined.train_on_batch(noise, ones[:len(real)])
        print("Epoch %d/%d - d_loss: %.4f - d_acc: %.4f - g_loss: %.4f" % (
            epoch + 1, args.epochs, (d_loss_real + d_loss_fake) / 2, (d_acc_real + d_acc_fake) / 2, g_loss))
        picture = grid(generator.predict(fixed_noise))
        files.append(save_image(picture, os.path.join(args.out, "samples", "epoch_%03d" % (epoch + 1))))
        summary = kf.keras.backend.get_session().run(image_summary, {grid_input: picture[None, :, :, None]})
        writer.add_summary(summary, epoch + 1)
    writer.close()
    print("Samples: %s" % ", ".join(files))
    return generator, discriminator, files


if __name__ == "__main__":
    run(main)
