with periods as (
    select * from int_periods
),

members as (
    select * from int_inspection_periods
),

inspections as (
    select * from int_inspections
),

counts as (
    select
        members.framework,
        members.period_kind,
        members.period_label,
        count(*) as inspections,
        sum(inspections.cases) as cases
    from members
    inner join inspections on members.inspection_id = inspections.inspection_id
    group by members.framework, members.period_kind, members.period_label
),

final as (
    select
        periods.framework,
        periods.period_kind,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        counts.inspections,
        cast(counts.cases as bigint) as cases
    from periods
    inner join counts
        on
            periods.framework = counts.framework
            and periods.period_kind = counts.period_kind
            and periods.period_label = counts.period_label
)

select * from final
