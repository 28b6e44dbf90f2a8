with item_values as (
    select * from marts.benchmark_values
    where fieldwork_end between cast(date_from as date) and cast(date_to as date)
),

final as (
    select
        framework,
        'between' as period_kind,
        cast(cast(date_from as date) as varchar) || ' to ' || cast(cast(date_to as date) as varchar) as period_label,
        cast(date_from as date) as period_start,
        cast(date_to as date) as period_end,
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
        avg(value) over period_item as programme_mean,
        median(value) over period_item as programme_median,
        case when value is not null then rank() over ranked end as rank,
        count(value) over period_item as n_inspections
    from item_values
    window
        period_item as (partition by framework, item_kind, item_id),
        ranked as (partition by framework, item_kind, item_id order by value desc nulls last)
)

select * from final
