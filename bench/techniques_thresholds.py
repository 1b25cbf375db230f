"""SI precision, recall and F1 of the shipped techniques model at each threshold of the
grid, on PTC tune (where the threshold is chosen) and on dev (held out) — issue 21.

    python bench/techniques_thresholds.py --data ../shared/data/ptc
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/ptc"))
    args = ap.parse_args()

    from unspin.corpora.ptc import read_articles, si_scores, split_of
    from unspin.encoder import resolve_precision
    from unspin.pipeline._techniques.features import feature_cache
    from unspin.pipeline._techniques.model import ARTIFACT, MiniLMTechniquePredictor
    from unspin.train.techniques import fit_tune_articles

    _, tune = fit_tune_articles(args.data)
    dev = [a for a in read_articles(args.data, "all") if split_of(a.id) == "dev"]
    model = MiniLMTechniquePredictor.load(ARTIFACT)
    print(f"shipped threshold {model.si_threshold}")
    for name, arts in (("tune", tune), ("dev", dev)):
        sents = [a.sentences() for a in arts]
        cache = feature_cache([[s.text for s in ss] for ss in sents], precision=resolve_precision(None))
        encs = []
        row = 0
        for ss in sents:
            encs.append([(o, np.asarray(s, np.float32))
                         for o, s in (cache.get(row + i) for i in range(len(ss)))])
            row += len(ss)
        for t in THRESHOLDS:
            model.si_threshold = t
            pairs = []
            for art, ss, enc in zip(arts, sents, encs, strict=True):
                found = model.predict_encoded([s.text for s in ss], enc)
                pred = [(s.start + f.start, s.start + f.end)
                        for s, fs in zip(ss, found, strict=True) for f in fs]
                pairs.append((pred, [(g.start, g.end) for g in art.spans]))
            p, r, f = si_scores(pairs)
            print(f"{name} {t:.2f} P {p:.3f} R {r:.3f} F1 {f:.3f}", flush=True)


if __name__ == "__main__":
    main()
