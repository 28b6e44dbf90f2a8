with inspections as (
    select * from int_inspections
),

periods as (
    select * from int_periods
),

final as (
    select
        periods.framework,
        periods.period_kind,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        inspections.inspection_id
    from periods
    inner join inspections
        on
            periods.framework = inspections.framework
            and inspections.fieldwork_end between periods.period_start and periods.period_end
)

select * from final
