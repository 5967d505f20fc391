-- Example analyst queries on the single customer view (marts.dim_customers).
-- Run against the read-only snapshot:  .venv/bin/sehat sql "<query>"
-- or   duckdb -readonly .sehat/warehouse/sehat_read.duckdb < docs/analyst_queries.sql
-- Raw PII (name, email, phone, birth date) is NOT in dim_customers; see docs/customer_view.md.

-- 1. Lifecycle funnel: how many customers per lifecycle stage, and what they are worth.
SELECT lifecycle_stage,
       count(*)                              AS customers,
       round(avg(total_spend))               AS avg_spend_idr,
       round(avg(days_since_last_activity))  AS avg_days_inactive
FROM marts.dim_customers
WHERE NOT is_anonymous
GROUP BY lifecycle_stage
ORDER BY customers DESC;

-- 2. RFM grid: buyers per recency x frequency score (5 = best).
SELECT recency_score, frequency_score, count(*) AS buyers, round(sum(total_spend)) AS spend_idr
FROM marts.dim_customers
WHERE n_orders > 0
GROUP BY ALL
ORDER BY recency_score DESC, frequency_score DESC;

-- 3. Channel engagement: click-through rate per notification channel.
SELECT 'push' AS channel, sum(push_sent) AS sent, sum(push_clicked) AS clicked,
       round(sum(push_clicked) / nullif(sum(push_sent), 0), 4) AS ctr FROM marts.dim_customers
UNION ALL
SELECT 'in_app', sum(in_app_sent), sum(in_app_clicked),
       round(sum(in_app_clicked) / nullif(sum(in_app_sent), 0), 4) FROM marts.dim_customers
UNION ALL
SELECT 'web_push', sum(web_push_sent), sum(web_push_clicked),
       round(sum(web_push_clicked) / nullif(sum(web_push_sent), 0), 4) FROM marts.dim_customers;

-- 4. Care journeys: last diagnosis group vs. whether the customer bought medicines afterwards.
SELECT last_diagnosis_group,
       count(*) AS patients,
       round(avg(CASE WHEN last_order_at >= last_consultation_at THEN 1 ELSE 0 END), 3) AS ordered_after_consultation
FROM marts.dim_customers
WHERE last_diagnosis_group IS NOT NULL
GROUP BY 1
ORDER BY patients DESC;

-- 5. Who is in which segment today, and how segments overlap.
SELECT segments, count(*) AS customers
FROM marts.dim_customers
WHERE n_segments > 0
GROUP BY segments
ORDER BY customers DESC
LIMIT 20;

-- 6. Segment churn: entered / exited per day (membership history).
SELECT segment_name, as_of_date,
       count(*) FILTER (WHERE change = 'entered') AS entered,
       count(*) FILTER (WHERE change = 'exited')  AS exited
FROM marts.fct_segment_membership_changes
GROUP BY ALL
ORDER BY segment_name, as_of_date DESC;

-- 7. Behavioural cohorts (ml/cohorts) with their profiles.
SELECT cohort_id, cohort_name, size, round(share, 3) AS share,
       round(n_orders, 2) AS log_orders, round(days_since_last_activity, 1) AS days_inactive
FROM ml.cohort_profiles
ORDER BY size DESC;

-- 8. Acquisition cohorts: customers first seen per month and how many still active.
SELECT acquisition_cohort_month,
       count(*) AS customers,
       count(*) FILTER (WHERE lifecycle_stage IN ('new', 'active')) AS still_active
FROM marts.dim_customers
GROUP BY 1
ORDER BY 1;

-- 9. A customer's profile history (type-2 snapshot): when did their RFM segment change?
SELECT customer_key, rfm_segment, lifecycle_stage, dbt_valid_from, dbt_valid_to
FROM snapshots.customer_profiles_snapshot
WHERE customer_key = (SELECT customer_key FROM marts.dim_customers WHERE n_orders > 2 LIMIT 1)
ORDER BY dbt_valid_from;

-- 10. Experiment results per variant (the tests and intervals are in ml.experiment_tests).
SELECT experiment_id, variant, exposed_registered, round(order_conversion_rate, 4) AS conversion,
       round(revenue_per_user) AS revenue_per_user, round(content_ctr, 4) AS content_ctr
FROM marts.agg_experiment_variant_results
ORDER BY experiment_id, variant;
