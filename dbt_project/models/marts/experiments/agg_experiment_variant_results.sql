-- The experiment results mart: one row per (experiment, variant) with exposure, conversion,
-- revenue per user and content click-through. Statistical tests (sample-ratio mismatch,
-- two-proportion z-test, Welch t-test, confidence intervals) are computed from this and
-- from fct_experiment_customer_metrics by sehat.experiments.

select
    experiment_id,
    variant,
    count(*) as exposed_customers,
    sum(case when is_anonymous then 0 else 1 end) as exposed_registered,
    sum(converted_order) as order_conversions,
    avg(cast(converted_order as {{ sehat.type_double() }})) as order_conversion_rate,
    avg(cast(n_orders as {{ sehat.type_double() }})) as orders_per_user,
    avg(cast(revenue as {{ sehat.type_double() }})) as revenue_per_user,
    sum(converted_consultation) as consultation_conversions,
    avg(cast(converted_consultation as {{ sehat.type_double() }})) as consultation_conversion_rate,
    avg(cast(n_consultations as {{ sehat.type_double() }})) as consultations_per_user,
    sum(n_content_views) as content_views,
    sum(n_content_clicks) as content_clicks,
    case when sum(n_content_views) > 0
        then cast(sum(n_content_clicks) as {{ sehat.type_double() }}) / sum(n_content_views) end as content_ctr
from {{ ref('fct_experiment_customer_metrics') }}
group by experiment_id, variant
