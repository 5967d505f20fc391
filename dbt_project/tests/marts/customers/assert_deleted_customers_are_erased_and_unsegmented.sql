-- A customer deleted at the source (soft delete) has the date it was found deleted, belongs to no
-- segment and, when it has that one production user, keeps no personal column; a live customer has
-- no such date.
select customer_key, is_deleted_at_source, deleted_at_source_on, n_segments
from {{ ref('dim_customers') }}
where (is_deleted_at_source
        and (deleted_at_source_on is null or n_segments > 0
             or (n_user_ids = 1 and (name is not null or email_md5 is not null or phone_md5 is not null
                                     or age is not null))))
    or (not is_deleted_at_source and deleted_at_source_on is not null)
