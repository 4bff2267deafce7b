"""The intent model: message text → full intent key (``faq/<topic>`` included), with probabilities.

Pure scikit-learn and the project's own text tools, no Rasa: the Rasa component
(:mod:`bot.nlu.intent_classifier`), the cross-validation script and the tests all call this.

How a message is read (:func:`prepare`):

1. width-normalised (full-width digits and letters become ASCII) and lower-cased;
2. typos and homophones replaced by the standard word from ``data/normalization/typos.txt``
   (预期 → 逾期, 借被 → 借呗, 咋 → 怎么), the same table in training and at run time (the table is
   saved inside the trained model);
3. every loan-product name becomes its canonical name (蚂蚁借呗 → 借呗), and every quantity the
   project's reader finds becomes one placeholder character per kind and size (5000块 → Ⓐ,
   一块钱 → ⓐ, 两个月 → Ⓓ, 三天 → ⓓ, 两个小时 → ⓗ), so "5000块逾期两个月" and "三万逾期十天"
   look alike to the classifier while "差一块钱" and "晚了两个小时" keep what matters about them.

Features: TF-IDF of character 1–3 grams of the prepared text, of its jieba words (project
dictionary, weight 0.7), of the character 1–3 grams of its first clause (weight 0.7: a
message asking two things is labelled by the first), and of the toneless pinyin syllable 1–2 grams
of the prepared text (weight 1.0; pypinyin, whose tables ship inside the package), so a homophone
typo the table does not list (借被, 花贝, 还宽) still shares most features with the word it stands
for; and one dense block, the mean of the raw message's pretrained token vectors
(:mod:`bot.nlu.pretrained`, weight 1.0, 128 dimensions), which knows what the project's ~9,000
examples cannot teach. An optional block of Cilin synonym-class codes of the words
(:mod:`bot.nlu.synonym_classes`, ``synonym_weight``) is off: it tied in cross-validation (README).
Settings chosen by 5-fold cross-validation
on the training data (``scripts/cv_nlu.py --fast``; the README has the table). Classifier:
one-vs-rest logistic regression with liblinear, which is plain C
with no BLAS and no threads: the same data gives the same model, bit for bit, on every machine and
under any thread setting (``scripts/determinism_check.py`` proves it).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.nlu.textnorm import is_ascii_letter, normalize_text
from bot.paths import DATA_DIR

TYPOS_FILE = DATA_DIR / "normalization" / "typos.txt"

#: placeholder character of each quantity kind (the prepared text keeps one character per quantity)
PLACEHOLDERS = {
    "amount": "Ⓐ",
    "duration": "Ⓓ",
    "daily_rate": "Ⓡ",
    "annual_rate": "Ⓡ",
    "installments": "Ⓘ",
    "day_of_month": "Ⓜ",
}
#: amounts below this many yuan are "tiny" (差几块钱 is its own FAQ topic)
TINY_AMOUNT = 10
_DAYS_ONLY = re.compile(r"^P\d+D$")
_CLAUSES = re.compile(r"[，,。.！!？?；;\s~～]+")


def placeholder(entity: str, value: str) -> Optional[str]:
    """The character a quantity becomes: its kind, and for money and durations its size."""
    if entity == "amount":
        try:
            return "ⓐ" if Decimal(value) < TINY_AMOUNT else "Ⓐ"
        except (InvalidOperation, TypeError):
            return "Ⓐ"
    if entity == "duration":
        if (
            "T" in value
            and "D" not in value
            and "M" not in value.split("T")[0]
            and "Y" not in value
        ):
            return "ⓗ"  # hours or minutes: a same-day delay
        return "ⓓ" if _DAYS_ONLY.match(value) else "Ⓓ"
    return PLACEHOLDERS.get(entity)


def first_clause(prepared: str) -> str:
    """The prepared text up to its first punctuation mark or space."""
    for part in _CLAUSES.split(prepared):
        if part:
            return part
    return ""


def load_replacements(path: Path = TYPOS_FILE) -> Dict[str, str]:
    """The typo and homophone table: ``{written form: standard form}``.

    Each line of the file is a standard form followed by the forms people type instead
    (``逾期 预期 途期``); ``#`` starts a comment. Forms are matched width-normalised and
    lower-cased.
    A form listed under two standard forms is an error: the table must say one thing.
    """
    path = Path(path)
    if not path.exists():
        return {}
    table: Dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        standard = normalize_text(words[0]).lower()
        for form in words[1:]:
            form = normalize_text(form).lower()
            if form in table and table[form] != standard:
                raise ValueError(
                    f"{path}:{number}: {form!r} is listed under {table[form]!r} and {standard!r}"
                )
            if form != standard:
                table[form] = standard
    return table


def product_names(data_dir: Path = DATA_DIR) -> Dict[str, str]:
    """Every loan-product surface form (lower-cased) → its canonical name, from the data files."""
    from bot.nlu.phrases import load_phrases

    return {
        normalize_text(p.text).lower(): p.value
        for p in load_phrases(data_dir)
        if p.label == "loan_product"
    }


def _alternation(words: Iterable[str]) -> Optional["re.Pattern[str]"]:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(_form_pattern(w) for w in ordered)) if ordered else None


def _form_pattern(form: str) -> str:
    """A written form as a regex; one that starts or ends with a Latin letter (yuqi, zx, hb)
    matches only where no Latin letter touches that end, so it never replaces part of an
    English word or of a longer pinyin string."""
    pattern = re.escape(form)
    if is_ascii_letter(form[:1]):
        pattern = "(?<![a-z])" + pattern
    if is_ascii_letter(form[-1:]):
        pattern += "(?![a-z])"
    return pattern


@dataclass
class TextPreparer:
    """Turns a message into the text the classifier sees (see the module docstring)."""

    replacements: Mapping[str, str] = field(default_factory=dict)
    products: Mapping[str, str] = field(default_factory=dict)
    #: jieba dictionary lines (``word freq``) the word features are segmented with
    dictionary: Sequence[str] = ()

    def __post_init__(self) -> None:
        from bot.nlu.dictionary import load_into_jieba

        self._table = {**self.replacements, **self.products}
        self._pattern = _alternation(self._table)
        load_into_jieba(self.dictionary)

    def __call__(self, text: str) -> str:
        from bot.nlu.quantities import find_quantities

        prepared = normalize_text(text or "").lower()
        if self._pattern is not None:
            prepared = self._pattern.sub(lambda m: self._table[m.group(0)], prepared)
        for quantity in sorted(find_quantities(prepared), key=lambda q: -q.start):
            mark = placeholder(quantity.entity, quantity.value)
            if mark:
                prepared = prepared[: quantity.start] + mark + prepared[quantity.end :]
        return prepared.strip()

    def __getstate__(self):
        return {
            "replacements": dict(self.replacements),
            "products": dict(self.products),
            "dictionary": list(self.dictionary),
        }

    def __setstate__(self, state) -> None:
        self.replacements, self.products, self.dictionary = (
            state["replacements"],
            state["products"],
            state["dictionary"],
        )
        self.__post_init__()


def jieba_words(prepared: str) -> List[str]:
    """jieba words of a prepared text, whitespace and punctuation-only tokens dropped."""
    import jieba

    return [w for w in jieba.lcut(prepared) if w.strip() and not _PUNCTUATION.fullmatch(w)]


_PUNCTUATION = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class IntentModelConfig:
    char_ngrams: Tuple[int, int] = (1, 3)
    word_ngrams: Tuple[int, int] = (1, 1)
    word_weight: float = 0.7
    first_clause_weight: float = 0.7
    #: pinyin syllable n-grams of the prepared text (0 = no such block)
    pinyin_weight: float = 1.0
    pinyin_ngrams: Tuple[int, int] = (1, 2)
    #: character n-grams of the raw message (width-normalised, lower-cased, nothing replaced)
    raw_char_weight: float = 0.0
    raw_char_ngrams: Tuple[int, int] = (1, 3)
    #: the mean pretrained token vector of the message (:mod:`bot.nlu.pretrained`; 0 = no block)
    pretrained_weight: float = 1.0
    #: how many of the codebook's 256 dimensions (a prefix: WordLlama is Matryoshka-trained)
    pretrained_dimensions: int = 128
    #: synonym-class codes of the jieba words (:mod:`bot.nlu.synonym_classes`; 0 = no block)
    synonym_weight: float = 0.0
    #: which Cilin levels each word's codes are given at (4: ``He08C``, 5: ``He08C01``)
    synonym_levels: Tuple[int, ...] = (4, 5)
    C: float = 100.0
    class_weight: Optional[str] = None


class IntentModel:
    """Prepared text → full intent key, trained with :meth:`fit`, pickled whole into the model."""

    def __init__(
        self, preparer: TextPreparer, config: IntentModelConfig = IntentModelConfig()
    ) -> None:
        self.preparer = preparer
        self.config = config
        self._pipeline = None
        #: the pretrained token vectors (:mod:`bot.nlu.pretrained`), read at the first fit
        self.embeddings = None

    @classmethod
    def from_data(
        cls, data_dir: Path = DATA_DIR, config: IntentModelConfig = IntentModelConfig()
    ) -> "IntentModel":
        from bot.nlu.dictionary import dictionary_lines

        data_dir = Path(data_dir)
        preparer = TextPreparer(
            load_replacements(data_dir / TYPOS_FILE.relative_to(DATA_DIR)),
            product_names(data_dir),
            dictionary_lines(data_dir),
        )
        return cls(preparer, config)

    def _build(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, make_pipeline

        config = self.config
        blocks = [
            (
                "chars",
                _tfidf(
                    analyzer="char", ngram_range=tuple(config.char_ngrams), preprocessor=_prepared
                ),
            ),
            ("words", _tfidf(analyzer=_word_ngrams(tuple(config.word_ngrams)))),
            (
                "first_clause",
                _tfidf(
                    analyzer="char",
                    ngram_range=tuple(config.char_ngrams),
                    preprocessor=_first_clause_of,
                ),
            ),
        ]
        weights = {
            "chars": 1.0,
            "words": config.word_weight,
            "first_clause": config.first_clause_weight,
        }
        if config.pinyin_weight:
            blocks.append(("pinyin", _tfidf(analyzer=_pinyin_ngrams(tuple(config.pinyin_ngrams)))))
            weights["pinyin"] = config.pinyin_weight
        if config.raw_char_weight:
            blocks.append(
                (
                    "raw_chars",
                    _tfidf(
                        analyzer="char",
                        ngram_range=tuple(config.raw_char_ngrams),
                        preprocessor=_raw,
                    ),
                )
            )
            weights["raw_chars"] = config.raw_char_weight
        if config.synonym_weight:
            from bot.nlu.synonym_classes import SynonymClasses, load_table

            blocks.append(
                ("synonyms", _tfidf(analyzer=SynonymClasses(load_table(), config.synonym_levels)))
            )
            weights["synonyms"] = config.synonym_weight
        if config.pretrained_weight:
            if self.embeddings is None:
                from bot.nlu.pretrained import TokenEmbeddings

                self.embeddings = TokenEmbeddings.load(dimensions=config.pretrained_dimensions)
            blocks.append(("pretrained", MeanEmbedding(self.embeddings)))
            weights["pretrained"] = config.pretrained_weight
        features = FeatureUnion(blocks, transformer_weights=weights)
        # dual coordinate descent: liblinear's own loops, no BLAS (the primal solver calls OpenBLAS,
        # whose sums change with the thread count and the CPU's kernels)
        classifier = LogisticRegression(
            C=self.config.C,
            solver="liblinear",
            dual=True,
            max_iter=1000,
            class_weight=self.config.class_weight,
            random_state=0,
        )
        return make_pipeline(features, classifier)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "IntentModel":
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        if not texts:
            raise ValueError("no training examples")
        # a fixed order (not the order the files were read in), so the solver sums the same
        # numbers in the same order whatever the file system or the hash seed did
        pairs = sorted(zip(self.documents(texts), labels), key=lambda pair: (pair[1], pair[0]))
        self._pipeline = self._build()
        self.__dict__.pop("_blocks", None)
        self._pipeline.fit([text for text, _ in pairs], [label for _, label in pairs])
        return self

    def documents(self, texts: Sequence[str]) -> List[Tuple[str, str]]:
        """What the feature blocks read: (prepared text, raw text) of each message."""
        return [(self.preparer(t), normalize_text(t or "").lower().strip()) for t in texts]

    @property
    def labels(self) -> List[str]:
        return list(self._pipeline.classes_)

    def predict_proba(self, texts: Sequence[str]):
        """Probabilities, one row per text, columns in :attr:`labels` order.

        The feature rows are built here rather than by the pipeline's ``transform``: scikit-learn's
        vectorizer, TF-IDF and normaliser cost a fixed ~0.2 ms per block and call, and
        ``FeatureUnion.transform`` goes through joblib even for one message. The row is the same,
        number for number: the same analyzers and vocabularies, counts in column order,
        ``(log(count)
        + 1) × idf``, the l2 norm summed in column order as scikit-learn's
        ``inplace_csr_row_normalize_l2``
        does, times the block's weight (``tests/nlu/test_intent_model.py`` compares the two)."""
        import numpy as np
        from scipy.sparse import csr_matrix

        blocks = self._fast_blocks()
        documents = self.documents(texts)
        data: List[float] = []
        indices: List[int] = []
        indptr = [0]
        for document in documents:
            for analyzer, vocabulary, idf, weight, offset in blocks:
                if vocabulary is None:  # the dense block: analyzer gives the whole row
                    row = analyzer(document)
                    data.extend(value * weight for value in row)
                    indices.extend(range(offset, offset + len(row)))
                    continue
                counts: Dict[int, int] = {}
                for term in analyzer(document):
                    column = vocabulary.get(term)
                    if column is not None:
                        counts[column] = counts.get(column, 0) + 1
                columns = sorted(counts)
                values = [(math.log(float(counts[c])) + 1.0) * idf[c] for c in columns]
                total = 0.0
                for value in values:
                    total += value * value
                if total != 0.0:
                    norm = math.sqrt(total)
                    values = [value / norm for value in values]
                data.extend(value * weight for value in values)
                indices.extend(offset + c for c in columns)
            indptr.append(len(data))
        width = self._pipeline[-1].coef_.shape[1]
        matrix = csr_matrix(
            (
                np.array(data, dtype=float),
                np.array(indices, dtype=np.int32),
                np.array(indptr, dtype=np.int32),
            ),
            shape=(len(documents), width),
        )
        return self._pipeline[-1].predict_proba(matrix)

    def _fast_blocks(self):
        """(analyzer, vocabulary, idf as a list, weight, first column) of each feature block."""
        cached = self.__dict__.get("_blocks")
        if cached is not None:
            return cached
        union = self._pipeline[0]
        weights = union.transformer_weights or {}
        blocks, offset = [], 0
        for name, transformer in union.transformer_list:
            if isinstance(transformer, MeanEmbedding):
                blocks.append((transformer.row, None, None, float(weights.get(name, 1)), offset))
                offset += transformer.embeddings.dimension
                continue
            vectorizer, tfidf = transformer[0], transformer[-1]
            vocabulary = vectorizer.vocabulary_
            blocks.append(
                (
                    vectorizer.build_analyzer(),
                    vocabulary,
                    [float(x) for x in tfidf.idf_],
                    float(weights.get(name, 1)),
                    offset,
                )
            )
            offset += len(vocabulary)
        self._blocks = blocks
        return blocks

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_blocks", None)  # rebuilt from the pipeline on first use
        return state

    def predict(self, texts: Sequence[str]) -> List[str]:
        if not texts:
            return []
        labels = self.labels
        return [labels[row.argmax()] for row in self.predict_proba(texts)]


class MeanEmbedding:
    """Feature block: the pretrained mean token vector of the raw message (nothing to fit)."""

    def __init__(self, embeddings) -> None:
        self.embeddings = embeddings

    def row(self, document: Tuple[str, str]) -> List[float]:
        return self.embeddings.vector(document[1])

    def fit(self, documents, y=None) -> "MeanEmbedding":
        return self

    def transform(self, documents):
        from scipy.sparse import csr_matrix

        return csr_matrix(self.embeddings.matrix([document[1] for document in documents]))

    def fit_transform(self, documents, y=None):
        return self.transform(documents)

    def get_params(self, deep: bool = True):
        return {}

    def set_params(self, **params) -> "MeanEmbedding":
        return self


def _tfidf(**counting):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline

    return make_pipeline(CountVectorizer(lowercase=False, dtype=float, **counting), StableTfidf())


class StableTfidf:
    """Sublinear TF-IDF with l2 rows, as scikit-learn's ``TfidfTransformer(sublinear_tf=True)``,
    but with logarithms from Python's ``math.log``: NumPy's own ``np.log`` takes an AVX-512 code
    path on CPUs that have it, whose results differ in the last bit from other CPUs', and the
    model must be the same on every machine.
    """

    def fit(self, counts, y=None) -> "StableTfidf":
        import math

        import numpy as np

        documents = counts.shape[0]
        frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = np.array([math.log((1 + documents) / (1 + int(df))) + 1.0 for df in frequency])
        return self

    def transform(self, counts):
        import math

        from sklearn.preprocessing import normalize

        weighted = counts.tocsr(copy=True)
        weighted.data = _array(math.log(count) + 1.0 for count in weighted.data)
        weighted = weighted.multiply(self.idf_).tocsr()
        return normalize(weighted, norm="l2", copy=False)

    def fit_transform(self, counts, y=None):
        return self.fit(counts).transform(counts)

    def get_params(self, deep: bool = True):
        return {}

    def set_params(self, **params) -> "StableTfidf":
        return self


def _array(values):
    import numpy as np

    return np.fromiter(values, dtype=float)


def _prepared(document: Tuple[str, str]) -> str:
    return document[0]


def _raw(document: Tuple[str, str]) -> str:
    return document[1]


def _first_clause_of(document: Tuple[str, str]) -> str:
    return first_clause(document[0])


def _ngrams(units: Sequence[str], ngrams: Tuple[int, int]) -> List[str]:
    low, high = ngrams
    grams = []
    for n in range(low, high + 1):
        grams.extend(" ".join(units[i : i + n]) for i in range(len(units) - n + 1))
    return grams


class _word_ngrams:
    """Picklable analyzer: jieba word n-grams of a prepared text."""

    def __init__(self, ngrams: Tuple[int, int]) -> None:
        self.ngrams = ngrams

    def __call__(self, document: Tuple[str, str]) -> List[str]:
        return _ngrams(jieba_words(document[0]), self.ngrams)


def pinyin_syllables(prepared: str) -> List[str]:
    """Toneless pinyin of each Chinese character of a prepared text (借被 and 借呗 both ``jie
    bei``);
    in between, each run of letters or digits and each quantity placeholder is one unit, punctuation
    and spaces are dropped. pypinyin's tables ship inside the package: nothing is downloaded."""
    from pypinyin import Style, lazy_pinyin

    units = []
    for unit in lazy_pinyin(prepared, style=Style.NORMAL, errors="default"):
        units.extend(_OTHER_UNITS.findall(unit))
    return units


#: a run of letters or digits, or one quantity placeholder (Ⓐ … ⓩ)
_OTHER_UNITS = re.compile(r"[^\W_]+|[\u24b6-\u24e9]")


class _pinyin_ngrams:
    """Picklable analyzer: pinyin syllable n-grams of a prepared text."""

    def __init__(self, ngrams: Tuple[int, int]) -> None:
        self.ngrams = ngrams

    def __call__(self, document: Tuple[str, str]) -> List[str]:
        return _ngrams(pinyin_syllables(document[0]), self.ngrams)
