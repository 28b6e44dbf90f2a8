with inspections as (
    select * from int_inspections
),

final as (
    select
        inspection_id,
        framework,
        provider,
        region,
        nation,
        fieldwork_start,
        fieldwork_end,
        published,
        financial_year,
        cases,
        court_cases,
        out_of_court_cases,
        submission,
        content_hash
    from inspections
)

select * from final
