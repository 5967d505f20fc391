"""Prescription recommender (issue 3): suggestions per prescription field, see docs/prescriptions.md."""

from ml.prescriptions.model import PrescriptionRecommender
from ml.prescriptions.suggest import suggest
from sehat.enrich.complaints import normalise_complaint
from sehat.enrich.medicines import ParsedMedicine, parse_medicine

__all__ = ["ParsedMedicine", "PrescriptionRecommender", "normalise_complaint", "parse_medicine", "suggest"]
