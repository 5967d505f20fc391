"""The transform layer's Python enrichment: parsers and the step that runs before ``dbt build``.

* :mod:`sehat.enrich.medicines`: medicine strings -> brand, molecules, strengths, form, pack.
* :mod:`sehat.enrich.complaints`: complaint text -> normalised key (stemmed tokens).
* :mod:`sehat.enrich.diagnoses`: ICD-10 / SNOMED CT / free-text diagnoses, ICD-10 names and hierarchy.
* :mod:`sehat.enrich.step`: writes the lookup tables ``enriched.*`` that dbt reads as a source.

Imports run one way: ``ml.prescriptions`` imports these, never the reverse.
"""
