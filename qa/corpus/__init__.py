"""A labelled corpus of synthetic call transcripts for measuring QA scoring (issue #4).

* :mod:`qa.corpus.model`: the :class:`LabelledCall` format and JSONL reading and writing.
* :mod:`qa.corpus.generator`: makes calls from a scenario, a phrase bank and slot values;
  ``python -m qa.corpus.generator --phrasebook train|eval --n N --seed S --out PATH``.
* :mod:`qa.corpus.phrases_train` / :mod:`qa.corpus.phrases_eval`: two phrase banks with no
  sentence in common, so evaluation measures generalisation to new wordings.
* :mod:`qa.corpus.noise`: simulated speech-recognition errors at a chosen word error rate.

The shipped data (``qa/data``) was made with::

    python -m qa.corpus.generator --phrasebook train --n 1200 --seed 1 --out qa/data/train.jsonl
    python -m qa.corpus.generator --phrasebook eval --n 400 --seed 2 --out qa/data/eval.jsonl
"""

from qa.corpus.model import LabelledCall, read_jsonl, write_jsonl

__all__ = ["LabelledCall", "read_jsonl", "write_jsonl"]
