with bounds as (
    select
        cast(date_from as date) as period_start,
        cast(date_to as date) as period_end
),

item_values as (
    select * from marts.benchmark_values
    where fieldwork_end between (select bounds.period_start from bounds) and (select bounds.period_end from bounds)
),

final as (
    select
        item_values.framework,
        'between' as period_kind,
        cast(bounds.period_start as varchar) || ' to ' || cast(bounds.period_end as varchar) as period_label,
        bounds.period_start,
        bounds.period_end,
        item_values.item_kind,
        item_values.item_id,
        item_values.item_label,
        item_values.item_order,
        item_values.inspection_id,
        item_values.provider,
        item_values.fieldwork_end,
        item_values.value,
        item_values.base,
        min(item_values.value) over period_item as programme_min,
        max(item_values.value) over period_item as programme_max,
        -- summed as exact decimals, so the mean does not depend on the order of the rows
        cast(avg(cast(item_values.value as decimal(38, 12))) over period_item as double) as programme_mean,
        median(item_values.value) over period_item as programme_median,
        case when item_values.value is not null then rank() over ranked end as rank,
        count(item_values.value) over period_item as n_inspections
    from item_values
    cross join bounds
    window
        period_item as (partition by item_values.framework, item_values.item_kind, item_values.item_id),
        ranked as (
            partition by item_values.framework, item_values.item_kind, item_values.item_id
            order by item_values.value desc nulls last
        )
)

select * from final
