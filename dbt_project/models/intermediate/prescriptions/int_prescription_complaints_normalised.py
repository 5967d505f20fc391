"""Complaint keys: one row per distinct raw complaint string (Python: the stemmer lives there)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from ml.prescriptions.mart import complaint_keys

    items = dbt.ref("int_prescription_items_unnested")
    raw = items.query("items", "select distinct raw_value from items where field = 'complaint'").fetchall()
    return complaint_keys(r[0] for r in raw)
