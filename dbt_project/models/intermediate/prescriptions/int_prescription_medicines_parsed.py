"""Structured medicines: one row per distinct medicine string, parsed by ml.prescriptions.medicine.

Molecules come from the production catalogue (stg_production__medicines): the full
catalogue string first, else the brand. Unparseable strings are kept with
is_parsed = false and the reasons in parse_problems.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from ml.prescriptions.mart import catalogue_map, parsed_medicines

    items = dbt.ref("int_prescription_items_unnested")
    raw = items.query("items", "select distinct raw_value from items where field = 'medicine'").fetchall()
    cat = dbt.ref("stg_production__medicines").query(
        "cat", "select name, brand, molecules from cat where molecules is not null").fetchall()
    catalogue = catalogue_map([r[0] for r in cat], [r[1] for r in cat], [r[2] for r in cat])
    return parsed_medicines((r[0] for r in raw), catalogue)
