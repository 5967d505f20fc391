"""Deterministic, realistic source data for Sehat: CleverTap exports and API pages, the
production database, and the generating truth.

    from sehat.generate import generate, GenerateConfig
    summary = generate(GenerateConfig(customers=2000, days=7, seed=42, data_dir=Path("data")))

Modules: ``world`` (customers, devices, doctors, catalogues), ``activity`` (one
simulated day), ``prescriptions`` and ``chats`` (consultation content),
``clinical`` (vocabularies), ``clevertap`` (files), ``production`` (tables and
writers), ``truth`` (Parquet + README), ``runner`` (``generate``).
"""

from sehat.generate.config import GenerateConfig
from sehat.generate.runner import generate

__all__ = ["GenerateConfig", "generate"]
