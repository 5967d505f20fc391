-- One row per advice line written on a prescription: raw text and the normalised vocabulary entry
-- (trimmed, single-spaced, lower-case: the same rule as ml.prescriptions.data.normalise_vocab).

select
    prescription_id,
    position,
    raw_value as advice_raw,
    lower(raw_value) as advice
from {{ ref('int_prescription_items_unnested') }}
where field = 'advice'
