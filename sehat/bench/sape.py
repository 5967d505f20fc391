"""SAPE benchmark: accuracy against the targets and the best achievable; scoring throughput on one core."""

from __future__ import annotations

import time
from pathlib import Path

from threadpoolctl import threadpool_limits


def bench_sape(consultations: int = 4000, score_consultations: int = 3000, seed: int = 0,
               report_dir: Path | None = None) -> dict:
    """Evaluate on a generated labelled corpus (``report_dir``: also write report.md and plots there),
    then time scoring of fresh generated consultations on one core."""
    from ml.sape.evaluate import LabelledData, evaluate
    from ml.sape.qualitative import SapeScorer
    from sehat.generate.labels import corpus

    t = time.perf_counter()
    data = LabelledData.from_corpus(corpus(consultations, seed=seed + 1))
    generate_s = time.perf_counter() - t
    t = time.perf_counter()
    report = evaluate(data, report_dir, seed=seed)
    evaluate_s = time.perf_counter() - t

    sentence = {c: r for c, r in report["sentence"].items()}
    subs = {k: v for k, v in report["qualitative"].items() if not k.endswith("_score") and not k.startswith("e_")}
    figures: dict = {
        "labelled_consultations": consultations, "test_consultations": report["test_consultations"],
        "generate_seconds": round(generate_s, 1), "evaluate_seconds": round(evaluate_s, 1),
        "sentence_accuracy": sentence,
        "sentence_mean": round(sum(r["model"] for r in sentence.values()) / 3, 4),
        "sentence_best_achievable_mean": round(sum(r["best_achievable"] for r in sentence.values()) / 3, 4),
        "subcategory_accuracy": subs,
        "subcategory_mean": round(sum(r["model"] for r in subs.values()) / len(subs), 4),
        "subcategory_best_achievable_mean": round(sum(r["best_achievable"] for r in subs.values()) / len(subs), 4),
        "category_accuracy": {k: v for k, v in report["qualitative"].items() if k.endswith("_score")},
        "quantitative_best": {c: (r["best_model"], r["best"]) for c, r in report.get("quantitative", {}).items()},
        "question": report["question"],
    }
    figures["targets"] = {
        "sentence_above_85": figures["sentence_mean"] > 0.85,
        "subcategory_above_70": figures["subcategory_mean"] > 0.70,
        "within_3_points_of_best": all(r["best_achievable"] - r["model"] <= 0.03
                                       for r in list(sentence.values()) + list(subs.values())),
    }

    # throughput: fit once on the labelled corpus, score fresh consultations on one core
    scorer_data = LabelledData.from_corpus(corpus(score_consultations, seed=seed + 2, label_share=0.0))
    with threadpool_limits(1):
        model = SapeScorer(random_state=seed).fit(data.sentence_labels, data.consultation_labels)
        sentences = scorer_data.truth_sentences[["consultation_id", "message_id", "sentence_index", "speaker",
                                                 "sentence"]]
        t = time.perf_counter()
        model.predict(sentences)
        seconds = time.perf_counter() - t
    n_cons = sentences["consultation_id"].nunique()
    per_s = len(sentences) / seconds
    figures["scoring"] = {
        "sentences": len(sentences), "consultations": int(n_cons), "seconds": round(seconds, 2),
        "sentences_per_s": round(per_s), "consultations_per_s": round(n_cons / seconds),
        "estimated_seconds_for_100k_consultations": round(100_000 / (n_cons / seconds), 1),
        "note": "one core (threadpool limited to 1); 100k estimate extrapolated from the measured rate",
    }
    figures["targets"]["scoring_20k_sentences_per_s"] = per_s >= 20_000
    figures["targets"]["100k_consultations_under_5_min"] = figures["scoring"]["estimated_seconds_for_100k_consultations"] < 300
    return figures


def generated_corpus_files(data_dir: Path, consultations: int = 4000, seed: int = 1) -> dict:
    """Write a generated labelled corpus as the sample's label and truth files under ``data_dir``
    (``labels/*.parquet``, ``truth/sape_*.parquet``), where ``sehat sape evaluate`` reads them."""
    from sehat.generate.labels import corpus, write_tables

    return write_tables(corpus(consultations, seed=seed), data_dir)
