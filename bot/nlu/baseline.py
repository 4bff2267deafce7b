"""The plain baseline every NLU figure is printed beside.

TF-IDF over character 1–3 and 2–4 grams of the raw message, then one logistic regression over
the full keys (``faq/<topic>`` counted as its own label), scikit-learn only, trained in seconds on
the same training data as the bot. It has none of the project's parts (no jieba dictionary, no
typo table, no entity extractor), so the gap between it and the pipeline is what those parts buy.

The solver is liblinear: plain C without BLAS or threads, so the baseline is the same on every
machine.
"""

from __future__ import annotations

from typing import List, Sequence


def build_baseline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True),
    )
    return make_pipeline(features, LogisticRegression(C=10.0, solver="liblinear", max_iter=1000))


def train_baseline(texts: Sequence[str], labels: Sequence[str]):
    model = build_baseline()
    model.fit(list(texts), list(labels))
    return model


def predict(model, texts: Sequence[str]) -> List[str]:
    return list(model.predict(list(texts))) if texts else []
