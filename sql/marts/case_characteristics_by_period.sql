with groups as (
    select * from marts.inspection_case_characteristics
),

members as (
    select * from int_inspection_periods
),

pooled as (
    select
        members.framework,
        members.period_kind,
        members.period_label,
        members.period_start,
        members.period_end,
        groups.characteristic,
        groups.group_value,
        count(*) as inspections,
        cast(sum(groups.cases) as bigint) as cases
    from groups
    inner join members on groups.inspection_id = members.inspection_id
    group by all
),

final as (
    select
        framework,
        period_kind,
        period_label,
        period_start,
        period_end,
        characteristic,
        group_value,
        inspections,
        cases,
        100.0 * cases / sum(cases) over (
            partition by framework, period_kind, period_label, characteristic
        ) as pct_cases
    from pooled
)

select * from final
