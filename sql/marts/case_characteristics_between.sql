with groups as (
    select * from marts.inspection_case_characteristics
    where fieldwork_end between cast(date_from as date) and cast(date_to as date)
),

pooled as (
    select
        framework,
        characteristic,
        group_value,
        count(*) as inspections,
        cast(sum(cases) as bigint) as cases
    from groups
    group by all
),

final as (
    select
        framework,
        'between' as period_kind,
        cast(cast(date_from as date) as varchar) || ' to ' || cast(cast(date_to as date) as varchar) as period_label,
        cast(date_from as date) as period_start,
        cast(date_to as date) as period_end,
        characteristic,
        group_value,
        inspections,
        cases,
        100.0 * cases / sum(cases) over (partition by framework, characteristic) as pct_cases
    from pooled
)

select * from final
