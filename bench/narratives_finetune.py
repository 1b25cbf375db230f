"""Narratives: does fine-tuning the encoder on the document labels help? 5-fold CV, one run.

    UNSPIN_MODEL=small python bench/narratives_finetune.py --data ../shared/data/semeval2025-t10

Issue 21 asks to try it and keep what the cross-validation says. Both rows use the same
folds (``unspin.corpora.semeval.kfold``, seed 0, by article over the 200 EN articles), the
same heads, thresholds and decision (``unspin.train.narratives.fit_with_thresholds``: gate,
"carries a narrative", one logistic regression per label on the document features, the
thresholds by inner CV) and the same scorer (samples-F1, fine and coarse, and the share-
weighted figures at 25 % and 75 % "Other"):

- **frozen** — the sentence embeddings of the shipped encoder (what ``unspin train
  narratives`` fits on): ``cross_validate``'s figures;
- **fine-tuned** — for each outer fold, LoRA adapters (rank :data:`RANK`) added to the
  shipped encoder and trained on that fold's training articles only: an article's vector is
  the mean of its sentences' embeddings (each the unit mean-pooled last layer, as the heads
  read them), a linear layer over it predicts every narrative and subnarrative label
  (binary cross-entropy), and a keep loss (weight :data:`KEEP`) holds each sentence's
  embedding near the shipped encoder's; then every sentence (articles, the gate's off-topic
  articles, the label wordings) is embedded again with the fold's encoder and the heads are
  fitted and scored on the fold as for the frozen row.

Deterministic given the seed; CPU, two torch threads for training, float32 throughout.
Nothing is written but the printed table (and ``--json``).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import time
from pathlib import Path
from typing import Any

RANK = 8
ALPHA = 16.0
EPOCHS = 2
LR = 1e-3
HEAD_LR = 1e-2
KEEP = 1.0
#: Sentences of an article read per training step (a seeded sample of longer articles).
SENTENCES = 48


def _pooled(net: Any, tok: Any, texts: list[str]) -> Any:
    """Unit mean-pooled last layer of each text (one window of at most 128 pieces)."""
    import torch

    batch = tok(texts, max_length=128)
    keep = batch["overflow_to_sample_mapping"]
    first = torch.ones_like(keep, dtype=torch.bool)
    first[1:] = keep[1:] != keep[:-1]  # the first window of each text
    ids, mask = batch["input_ids"][first], batch["attention_mask"][first]
    extra = {"token_type_ids": batch["token_type_ids"][first]}
    last = net(input_ids=ids, attention_mask=mask, **extra).hidden_states[-1]
    m = mask.unsqueeze(-1).to(last.dtype)
    v = (last * m).sum(1) / m.sum(1).clamp(min=1)
    return torch.nn.functional.normalize(v, dim=-1)


def _finetune(base: Any, tok: Any, sents: list[list[str]], targets: Any, train: list[int],
              seed: int) -> Any:
    import torch

    from unspin.encoder import add_lora

    net = copy.deepcopy(base)
    torch.manual_seed(seed)
    lora = add_lora(net, rank=RANK, alpha=ALPHA, seed=seed)
    head = torch.nn.Linear(int(net.embeddings.word_embeddings.weight.shape[1]),
                           targets.shape[1])
    opt = torch.optim.AdamW([{"params": lora, "lr": LR},
                             {"params": head.parameters(), "lr": HEAD_LR}], weight_decay=0.01)
    rng = random.Random(seed)
    bce = torch.nn.BCEWithLogitsLoss()
    steps = EPOCHS * len(train)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
    frozen: dict[int, Any] = {}
    with torch.no_grad():
        for i in train:
            frozen[i] = _pooled(base, tok, sents[i])
    for epoch in range(EPOCHS):
        order = list(train)
        rng.shuffle(order)
        total = 0.0
        for i in order:
            pick = list(range(len(sents[i])))
            if len(pick) > SENTENCES:
                pick = sorted(rng.sample(pick, SENTENCES))
            emb = _pooled(net, tok, [sents[i][j] for j in pick])
            doc = emb.mean(0, keepdim=True)
            loss = bce(head(doc), targets[i:i + 1])
            loss = loss + KEEP * (1 - (emb * frozen[i][pick]).sum(-1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
        print(f"    epoch {epoch + 1}: loss {total / len(order):.4f}", flush=True)
    net.eval()
    return net


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/semeval2025-t10"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("UNSPIN_MODEL", "small")

    import torch

    import unspin.encoder as enc
    from unspin.corpora.semeval import OTHER, kfold, sample_f1
    from unspin.train._corpus import lean_threads, negative_texts, split_sentences
    from unspin.train.narratives import (
        OTHER_SHARES,
        cross_validate,
        fit_with_thresholds,
        label_text,
        load_corpus,
        score_predictions,
        share_weighted_f1,
        split_vectors,
    )

    torch.set_num_threads(2)
    t0 = time.perf_counter()
    corpus = load_corpus(args.data)
    docs = corpus.docs
    with lean_threads():
        frozen = cross_validate(corpus, seed=args.seed)
    print(f"frozen: fine {frozen['f1_fine_model']:.4f} coarse {frozen['f1_coarse_model']:.4f} "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)

    split = split_sentences([d.text for d in docs] + negative_texts(corpus.root.parent))
    sents = [ds.sentences for ds in split[:len(docs)]]
    neg_sents = [ds.sentences[:12] for ds in split[len(docs):]]
    labels = sorted({lab for d in docs for lab in [*d.narratives, *d.subnarratives]})
    index = {lab: k for k, lab in enumerate(labels)}
    targets = torch.zeros((len(docs), len(labels)))
    for i, d in enumerate(docs):
        for lab in {*d.narratives, *d.subnarratives}:
            targets[i, index[lab]] = 1.0
    tok, base = enc.load_encoder("fp32", model="small")
    key = "encoder:small:fp32:True"

    pos = {d.id: i for i, d in enumerate(docs)}
    parts = kfold([d.id for d in docs], 5, args.seed)
    n_neg = len(neg_sents)
    neg_parts = [list(range(k, n_neg, 5)) for k in range(5)]
    order: list[int] = []
    fine: list[list[str]] = []
    coarse: list[list[str]] = []
    for k in range(5):
        test = [pos[d] for d in parts[k]]
        train = [pos[d] for j, p in enumerate(parts) if j != k for d in p]
        neg_train = [i for j, p in enumerate(neg_parts) if j != k for i in p]
        print(f"  fold {k + 1}/5: fine-tuning on {len(train)} articles", flush=True)
        net = _finetune(base, tok, sents, targets, train, args.seed + k)
        enc._cache[key] = (tok, net)  # the fold's encoder, for this embedding pass only
        try:
            flat = [s for ss in sents for s in ss] + [s for ss in neg_sents for s in ss]
            vecs = enc.embed(flat, precision="fp32", model="small")
            label_emb = {dom: enc.embed([label_text(x) for x in nar + sub], precision="fp32",
                                        model="small")
                         for dom, (nar, sub) in corpus.labels.items()}
        finally:
            enc._cache[key] = (tok, base)
        emb, gate = split_vectors(vecs, sents, neg_sents)
        fold_corpus = copy.copy(corpus)
        fold_corpus.emb, fold_corpus.neg_gate, fold_corpus.label_emb = emb, gate, label_emb
        with lean_threads():
            model = fit_with_thresholds(fold_corpus, train, neg_train, args.seed,
                                        shares=OTHER_SHARES)
        for t in test:
            auto = model.predict_embedded(emb[t], evidence=False)
            order.append(t)
            fine.append(auto.labels)
            coarse.append(auto.narratives)
        print(f"  fold {k + 1}/5 done ({time.perf_counter() - t0:.0f} s)", flush=True)
    f, c = score_predictions(corpus, order, fine, coarse)
    per = [sample_f1(docs[i].subnarratives, p, corpus.taxonomy.subnarratives)
           for i, p in zip(order, fine, strict=True)]
    other = [docs[i].narratives == [OTHER] for i in order]
    tuned = {"f1_fine_model": f, "f1_coarse_model": c,
             "f1_fine_model_other25": share_weighted_f1(per, other, 0.25),
             "f1_fine_model_other75": share_weighted_f1(per, other, 0.75),
             "predicted_other_share": sum(x == [OTHER] for x in fine) / len(fine)}
    print("| 5-fold CV, SemEval-2025 EN | frozen (shipped) | fine-tuned on the labels |")
    print("|---|---:|---:|")
    for name, label in (("f1_fine_model", "subnarratives samples-F1"),
                        ("f1_coarse_model", "narratives samples-F1"),
                        ("f1_fine_model_other25", "subnarratives, 25 % 'Other' (weighted)"),
                        ("f1_fine_model_other75", "subnarratives, 75 % 'Other' (weighted)"),
                        ("predicted_other_share", "share predicted 'Other'")):
        print(f"| {label} | {frozen[name]:.4f} | {tuned[name]:.4f} |")
    print(f"seconds: {time.perf_counter() - t0:.0f}")
    if args.json:
        args.json.write_text(json.dumps({"frozen": frozen, "fine_tuned": tuned,
                                         "settings": {"rank": RANK, "alpha": ALPHA,
                                                      "epochs": EPOCHS, "lr": LR,
                                                      "head_lr": HEAD_LR, "keep": KEEP,
                                                      "sentences": SENTENCES,
                                                      "seed": args.seed}}, indent=2))


if __name__ == "__main__":
    main()
