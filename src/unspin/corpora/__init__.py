"""The public benchmark corpora: their readers and their metrics, below both ``eval``
(commands that score) and ``train`` (commands that fit), which both import them.

- :mod:`unspin.corpora.ptc` — PTC (SemEval-2020 Task 11) articles and technique spans, the
  hash-chosen dev split, SI/TC metrics;
- :mod:`unspin.corpora.polnear` — PolNeAR attributions, the fit/tune split of train,
  exact/overlap attribution matching;
- :mod:`unspin.corpora.semeval` — SemEval-2025 Task 10 narratives and entity roles, folds,
  samples-F1 and role metrics.

Layering: ``corpora`` imports neither; ``train`` imports ``corpora``; ``eval`` imports
``corpora`` and ``train`` (cross-validation fits models); nothing below imports ``eval``.
"""
