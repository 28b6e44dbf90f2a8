with by_period as (
    select * from marts.characteristic_results_by_period
),

final as (
    select
        framework,
        period_kind,
        period_label,
        period_start,
        period_end,
        domain_id,
        standard_id,
        question_id,
        parent_id,
        level,
        area,
        question_order,
        characteristic,
        group_value,
        inspections,
        relevant_cases,
        yes_cases,
        pct_yes,
        ci_low,
        ci_high
    from by_period
    where period_kind = 'programme'
)

select * from final
