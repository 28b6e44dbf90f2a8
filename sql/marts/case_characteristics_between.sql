with bounds as (
    select
        cast(date_from as date) as period_start,
        cast(date_to as date) as period_end
),

groups as (
    select * from marts.inspection_case_characteristics
    where fieldwork_end between (select bounds.period_start from bounds) and (select bounds.period_end from bounds)
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
        pooled.framework,
        'between' as period_kind,
        cast(bounds.period_start as varchar) || ' to ' || cast(bounds.period_end as varchar) as period_label,
        bounds.period_start,
        bounds.period_end,
        pooled.characteristic,
        pooled.group_value,
        pooled.inspections,
        pooled.cases,
        100.0 * pooled.cases / sum(pooled.cases) over (
            partition by pooled.framework, pooled.characteristic
        ) as pct_cases
    from pooled
    cross join bounds
)

select * from final
