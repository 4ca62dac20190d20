"""``kf.keras.wrappers``: Keras 2's scikit-learn wrappers (``kf.keras.wrappers.scikit_learn``)."""
