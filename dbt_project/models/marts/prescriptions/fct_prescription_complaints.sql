-- One row per complaint written on a prescription: the raw text beside its normalised key.

select
    i.prescription_id,
    i.position,
    i.raw_value as complaint_raw,
    k.complaint_key,
    coalesce(k.complaint_key, '') = '' as is_blank_key
from {{ ref('int_prescription_items_unnested') }} as i
left join {{ ref('stg_enriched__complaint_keys') }} as k
    on k.complaint_raw = i.raw_value
where i.field = 'complaint'
