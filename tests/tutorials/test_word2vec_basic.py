"""TF1's word2vec/word2vec_basic.py, as its code uses the API (our own copy, on a generated corpus): skip-gram
batches, name scopes and a CPU device scope, embedding_lookup + nce_loss, GradientDescentOptimizer(1.0), the
cosine similarity of normalized embeddings (matmul transpose_b), merged summaries with run metadata on the last
step, a Saver checkpoint and the metadata.tsv the projector reads."""
import collections
import math
import os
import random

import numpy as np

import kflow as tf

VOCABULARY_SIZE = 40


def generated_corpus(words=6000, seed=0):
    """Word i (of 40) is followed by word i+1 (mod 20) with probability 0.8, else by its twin i+20 (mod 40): a
    word and its twin share their contexts (both come after word i-1 (mod 20) and before word i+1 (mod 20)), so
    skip-gram should place them close in the embedding."""
    rng = random.Random(seed)
    out, w = [], 0
    for _ in range(words):
        out.append("w%d" % w)
        w = (w + 1) % 20 if rng.random() < 0.8 else (w + 20) % VOCABULARY_SIZE
    return out


def build_dataset(words, n_words):
    count = [["UNK", -1]]
    count.extend(collections.Counter(words).most_common(n_words - 1))
    dictionary = {word: i for i, (word, _) in enumerate(count)}
    data = [dictionary.get(word, 0) for word in words]
    return data, count, dictionary, dict(zip(dictionary.values(), dictionary.keys()))


def make_batcher(data):
    index = [0]

    def generate_batch(batch_size, num_skips, skip_window):
        assert batch_size % num_skips == 0 and num_skips <= 2 * skip_window
        batch = np.ndarray(shape=(batch_size,), dtype=np.int32)
        labels = np.ndarray(shape=(batch_size, 1), dtype=np.int32)
        span = 2 * skip_window + 1
        buffer = collections.deque(maxlen=span)
        if index[0] + span > len(data):
            index[0] = 0
        buffer.extend(data[index[0]:index[0] + span])
        index[0] += span
        for i in range(batch_size // num_skips):
            context_words = [w for w in range(span) if w != skip_window]
            for j, context_word in enumerate(random.sample(context_words, num_skips)):
                batch[i * num_skips + j] = buffer[skip_window]
                labels[i * num_skips + j, 0] = buffer[context_word]
            if index[0] == len(data):
                buffer.extend(data[0:span])
                index[0] = span
            else:
                buffer.append(data[index[0]])
                index[0] += 1
        index[0] = (index[0] + len(data) - span) % len(data)
        return batch, labels

    return generate_batch


def test_word2vec_basic_trains_embeddings_whose_neighbours_are_similar(tmp_path):
    random.seed(0)
    data, count, dictionary, reverse_dictionary = build_dataset(generated_corpus(), VOCABULARY_SIZE)
    generate_batch = make_batcher(data)
    batch_size, embedding_size, skip_window, num_skips, num_sampled = 32, 16, 1, 2, 8
    valid_examples = np.array([dictionary["w3"], dictionary["w10"]])

    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        with tf.name_scope("inputs"):
            train_inputs = tf.placeholder(tf.int32, shape=[batch_size])
            train_labels = tf.placeholder(tf.int32, shape=[batch_size, 1])
            valid_dataset = tf.constant(valid_examples, dtype=tf.int32)
        with tf.device("/cpu:0"):
            with tf.name_scope("embeddings"):
                embeddings = tf.Variable(tf.random_uniform([VOCABULARY_SIZE, embedding_size], -1.0, 1.0))
                embed = tf.nn.embedding_lookup(embeddings, train_inputs)
            with tf.name_scope("weights"):
                nce_weights = tf.Variable(tf.truncated_normal([VOCABULARY_SIZE, embedding_size],
                                                              stddev=1.0 / math.sqrt(embedding_size)))
            with tf.name_scope("biases"):
                nce_biases = tf.Variable(tf.zeros([VOCABULARY_SIZE]))
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases, labels=train_labels,
                                                 inputs=embed, num_sampled=num_sampled,
                                                 num_classes=VOCABULARY_SIZE))
        tf.summary.scalar("loss", loss)
        with tf.name_scope("optimizer"):
            optimizer = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
        norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keepdims=True))
        normalized_embeddings = embeddings / norm
        valid_embeddings = tf.nn.embedding_lookup(normalized_embeddings, valid_dataset)
        similarity = tf.matmul(valid_embeddings, normalized_embeddings, transpose_b=True)
        merged = tf.summary.merge_all()
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()

    num_steps = 1500
    log_dir = str(tmp_path)
    with tf.Session(graph=graph) as session:
        writer = tf.summary.FileWriter(log_dir, session.graph)
        init.run()
        losses = []
        for step in range(num_steps):
            batch_inputs, batch_labels = generate_batch(batch_size, num_skips, skip_window)
            run_metadata = tf.RunMetadata()
            _, summary, loss_val = session.run([optimizer, merged, loss],
                                               feed_dict={train_inputs: batch_inputs, train_labels: batch_labels},
                                               run_metadata=run_metadata)
            losses.append(loss_val)
            writer.add_summary(summary, step)
            if step == num_steps - 1:
                writer.add_run_metadata(run_metadata, "step%d" % step)
        sim = similarity.eval()
        final_embeddings = normalized_embeddings.eval()
        with open(os.path.join(log_dir, "metadata.tsv"), "w") as f:
            for i in range(VOCABULARY_SIZE):
                f.write(reverse_dictionary[i] + "\n")
        saver.save(session, os.path.join(log_dir, "model.ckpt"))
        writer.close()

    assert np.mean(losses[-100:]) < 0.5 * np.mean(losses[:100])
    np.testing.assert_allclose(np.linalg.norm(final_embeddings, axis=1), 1.0, rtol=1e-5)
    for i, word in enumerate(valid_examples):
        nearest = [reverse_dictionary[k] for k in (-sim[i, :]).argsort()[1:4]]
        twin = "w%d" % ((int(reverse_dictionary[word][1:]) + 20) % VOCABULARY_SIZE)
        assert twin in nearest, (reverse_dictionary[word], nearest)
    assert os.path.exists(os.path.join(log_dir, "model.ckpt.index")) or \
        any(name.startswith("model.ckpt") for name in os.listdir(log_dir))
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(log_dir))
