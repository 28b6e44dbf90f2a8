with source as (
    select * from src_ratings
),

renamed as (
    select
        inspection_id,
        standard_id,
        rating,
        kind,
        nullif(trim(reason), '') as reason
    from source
)

select * from renamed
