with by_period as (
    select * from marts.case_characteristics_by_period
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
        pct_cases
    from by_period
    where period_kind = 'programme'
)

select * from final
