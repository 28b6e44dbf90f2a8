with item_values as (
    select * from marts.benchmark_values
),

members as (
    select * from int_inspection_periods
),

in_period as (
    select
        members.period_kind,
        members.period_label,
        members.period_start,
        members.period_end,
        item_values.*
    from item_values
    inner join members on item_values.inspection_id = members.inspection_id
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
        min(value) over period_item as programme_min,
        max(value) over period_item as programme_max,
        -- summed as exact decimals, so the mean does not depend on the order of the rows
        cast(avg(cast(value as decimal(38, 12))) over period_item as double) as programme_mean,
        median(value) over period_item as programme_median,
        case when value is not null then rank() over ranked end as rank,
        count(value) over period_item as n_inspections
    from in_period
    window
        period_item as (partition by framework, period_kind, period_label, item_kind, item_id),
        ranked as (partition by framework, period_kind, period_label, item_kind, item_id order by value desc nulls last)
)

select * from final
