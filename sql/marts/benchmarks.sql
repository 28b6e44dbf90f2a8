with by_period as (
    select * from marts.benchmarks_by_period
),

final as (
    select
        framework,
        period_kind,
        period_label,
        period_start,
        period_end,
        item_kind,
        item_id,
        item_label,
        item_order,
        inspection_id,
        provider,
        fieldwork_end,
        value,
        base,
        programme_min,
        programme_max,
        programme_mean,
        programme_median,
        rank,
        n_inspections
    from by_period
    where period_kind = 'programme'
)

select * from final
