"""``sehat bench pii-gate`` measures the real gate (small here: the figures come from the command)."""

from __future__ import annotations

from sehat.bench.pii_gate import measure_pii_gate


def test_the_pii_gate_benchmark_checks_a_generated_segment_against_known_values():
    figures = measure_pii_gate(known=3000, rows=500)
    assert figures["known_values"] == 6000  # 3000 phones and 3000 e-mails, all distinct
    for name in ("segment", "free_text"):
        assert figures[name]["passed"], figures[name]["observed"]  # md5 keys and order numbers are not phones
        assert figures[name]["check_s"] >= 0
    assert "note" in figures["free_text"]["columns"]
