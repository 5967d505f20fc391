-- Who entered and who exited each segment, per evaluated day: a customer entered on day d
-- when they are a member on d but were not on the previous evaluated day of that segment;
-- exited when they were a member on the previous evaluated day and are not on d. The first
-- evaluated day of a segment counts everyone as entered.

with history as (

    select * from {{ ref('fct_segment_memberships_daily') }}

),

days as (

    select
        segment_name,
        as_of_date,
        lag(as_of_date) over (partition by segment_name order by as_of_date) as previous_date
    from (select distinct segment_name, as_of_date from history) as d

),

entered as (

    select h.segment_name, h.as_of_date, h.customer_key, cast('entered' as {{ sehat.type_text() }}) as change
    from history as h
    inner join days as d on d.segment_name = h.segment_name and d.as_of_date = h.as_of_date
    left join history as prev
        on prev.segment_name = h.segment_name
        and prev.as_of_date = d.previous_date
        and prev.customer_key = h.customer_key
    where prev.customer_key is null

),

exited as (

    select d.segment_name, d.as_of_date, prev.customer_key, cast('exited' as {{ sehat.type_text() }}) as change
    from days as d
    inner join history as prev on prev.segment_name = d.segment_name and prev.as_of_date = d.previous_date
    left join history as cur
        on cur.segment_name = d.segment_name
        and cur.as_of_date = d.as_of_date
        and cur.customer_key = prev.customer_key
    where cur.customer_key is null

)

select * from entered
union all
select * from exited
