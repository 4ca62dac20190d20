"""recipes/text_classification.py runs end to end on a small limit and learns beyond chance."""
from recipe_loader import load_recipe


def test_text_classification_recipe(capsys):
    recipe = load_recipe("text_classification")
    accuracy = recipe.main(["--limit", "600", "--epochs", "2", "--verbose", "2"])
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "Test loss" in out and "val_accuracy" in out
    assert accuracy > 0.6  # chance is about 0.5


def test_generated_reviews_follow_their_rule():
    recipe = load_recipe("text_classification")
    texts, labels = recipe.make_reviews(200, seed=3)
    for text, label in zip(texts, labels):
        last = text.split(" , but ")[-1].split()
        positive = any(w in recipe.POSITIVE for w in last)
        assert label == float(positive != ("not" in last)), text
    vocabulary = {"the": 2, "movie": 3}
    ids = recipe.vectorize(["the movie was odd"], vocabulary, maxlen=6)
    assert ids.tolist() == [[2, 3, 1, 1, 0, 0]]
