-- One row per lab test line written on a prescription: raw text and the normalised vocabulary entry
-- (trimmed, single-spaced, lower-case: the same rule as ml.prescriptions.data.normalise_vocab).

select
    prescription_id,
    position,
    raw_value as lab_test_raw,
    lower(raw_value) as lab_test
from {{ ref('int_prescription_items_unnested') }}
where field = 'lab_test'
