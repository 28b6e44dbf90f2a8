with source as (
    select * from src_inspections
),

renamed as (
    select
        inspection_id,
        framework,
        provider,
        region,
        nation,
        fieldwork_start,
        fieldwork_end,
        published,
        submission,
        content_hash
    from source
)

select * from renamed
