-- Edges of the identity graph: one row per distinct pair of identifiers seen together.
--
-- A node is "<type>:<value>" with type objectId | identity | email | phone | user_id.
-- Edges come from
--   * CleverTap records: objectId - identity, identity - each value of all_identities,
--     objectId - email and objectId - phone when present;
--   * production users:  user_id - identity, user_id - email, user_id - phone.
-- Records without an objectId add no edge (they are attributed by looking their identifiers up:
-- int_events_without_object_id_attributed).
-- Every objectId and every user_id also gets a self-edge so that isolated nodes (an
-- anonymous device that never logged in, a user without app events) still appear.
--
-- Guard against over-merging: an email or phone that belongs to more than one owner
-- (distinct identity / production user) is shared (family phone, recycled number, typo)
-- and is dropped from the graph instead of gluing two customers together.
-- A table: the identity resolution and five data tests read it; as a view each of them
-- recomputed it from every event (about 5 s each at 100k customers).
{{ config(materialized='table') }}

with events as (

    select object_id, identity, all_identities, email, phone
    from {{ ref('stg_clevertap__events') }}

),

users as (

    select user_id, identity, email, phone
    from {{ ref('stg_production__users') }}

),

-- distinct profile states; most events repeat the same few combinations
profiles as (

    select distinct
        object_id,
        identity,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone') }} as phone
    from events
    where object_id is not null

),

-- records without an objectId add no edge: they are looked up in the graph
-- (int_events_without_object_id_attributed)
identified_events as (

    select identity, all_identities from events where identity is not null and object_id is not null

),

-- all_identities holds raw strings: classify them (email has '@', phone is digits/+/space/-)
aliases as (

    select distinct identity, alias
    from (
        select identity, trim(item) as alias
        from (
            {{ sehat.unnest_with_position('identified_events', ['identity'], 'all_identities') }}
        ) as items
    ) as unnested
    where alias <> '' and alias <> identity

),

typed_aliases as (

    select
        identity,
        case
            when alias like '%@%' then 'email'
            when translate(alias, '+0123456789 -()', '') = '' then 'phone'
            else 'identity'
        end as alias_type,
        alias
    from aliases

),

candidate_edges as (

    select 'objectId' as from_type, object_id as from_value, 'objectId' as to_type, object_id as to_value, 'clevertap' as edge_source
    from profiles

    union all
    select 'objectId', object_id, 'identity', identity, 'clevertap' from profiles where identity is not null

    union all
    select 'objectId', object_id, 'email', email, 'clevertap' from profiles where email is not null

    union all
    select 'objectId', object_id, 'phone', phone, 'clevertap' from profiles where phone is not null

    union all
    select
        'identity', identity, alias_type,
        case
            when alias_type = 'email' then {{ normalize_email('alias') }}
            when alias_type = 'phone' then {{ normalize_phone('alias') }}
            else alias
        end,
        'clevertap'
    from typed_aliases

    union all
    select 'user_id', cast(user_id as {{ sehat.type_text() }}), 'user_id', cast(user_id as {{ sehat.type_text() }}), 'production' from users

    union all
    select 'user_id', cast(user_id as {{ sehat.type_text() }}), 'identity', identity, 'production' from users where identity is not null

    union all
    select 'user_id', cast(user_id as {{ sehat.type_text() }}), 'email', {{ normalize_email('email') }}, 'production'
    from users where {{ normalize_email('email') }} is not null

    union all
    select 'user_id', cast(user_id as {{ sehat.type_text() }}), 'phone', {{ normalize_phone('phone') }}, 'production'
    from users where {{ normalize_phone('phone') }} is not null

),

-- owner of an email/phone: the identity (or production user) it was seen with
contact_owners as (

    select e.to_type as contact_type, e.to_value as contact_value, p.identity as owner
    from candidate_edges as e
    inner join profiles as p
        on e.from_type = 'objectId' and e.from_value = p.object_id
    where e.to_type in ('email', 'phone') and p.identity is not null

    union

    select to_type, to_value, from_value
    from candidate_edges
    where from_type = 'identity' and to_type in ('email', 'phone')

    union

    select e.to_type, e.to_value, coalesce(u.identity, 'user_id:' || cast(u.user_id as {{ sehat.type_text() }}))
    from candidate_edges as e
    inner join users as u
        on e.from_type = 'user_id' and e.from_value = cast(u.user_id as {{ sehat.type_text() }})
    where e.to_type in ('email', 'phone')

),

shared_contacts as (

    select contact_type, contact_value
    from contact_owners
    group by contact_type, contact_value
    having count(distinct owner) > 1

),

edges as (

    select distinct
        e.from_type || ':' || e.from_value as from_node,
        e.from_type,
        e.from_value,
        e.to_type || ':' || e.to_value as to_node,
        e.to_type,
        e.to_value,
        e.edge_source
    from candidate_edges as e
    left join shared_contacts as s
        on e.to_type = s.contact_type and e.to_value = s.contact_value
    where e.from_value is not null
        and e.to_value is not null
        and s.contact_value is null

)

select * from edges
