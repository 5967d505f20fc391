"""Prescription recommender (issue 3): suggestions per prescription field, see docs/prescriptions.md."""

from ml.prescriptions.medicine import ParsedMedicine, parse_medicine
from ml.prescriptions.model import PrescriptionRecommender
from ml.prescriptions.suggest import suggest
from ml.prescriptions.text import normalise_complaint

__all__ = ["ParsedMedicine", "PrescriptionRecommender", "normalise_complaint", "parse_medicine", "suggest"]
