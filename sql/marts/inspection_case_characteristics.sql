with groups as (
    select * from int_case_groups
),

inspections as (
    select * from int_inspections
),

final as (
    select
        groups.inspection_id,
        groups.framework,
        inspections.fieldwork_end,
        groups.characteristic,
        groups.group_value,
        count(*) as cases
    from groups
    inner join inspections on groups.inspection_id = inspections.inspection_id
    group by all
)

select * from final
