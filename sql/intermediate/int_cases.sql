-- Cases with the groupings used in breakdowns: ethnic_group (white, minority_ethnic,
-- unknown) and age_band (10-14, 15-17, 18).
with cases as (
    select * from stg_cases
),

inspections as (
    select * from int_inspections
),

final as (
    select
        cases.inspection_id,
        inspections.framework,
        cases.case_ref,
        cases.case_key,
        cases.case_type,
        cases.disposal,
        cases.gender,
        cases.ethnicity,
        case
            when cases.ethnicity = 'white' then 'white'
            when cases.ethnicity = 'unknown' then 'unknown'
            when cases.ethnicity in ('black', 'asian', 'mixed', 'other') then 'minority_ethnic'
        end as ethnic_group,
        cases.looked_after,
        cases.age,
        case
            when cases.age between 10 and 14 then '10-14'
            when cases.age between 15 and 17 then '15-17'
            when cases.age = 18 then '18'
        end as age_band,
        cases.rosh,
        cases.safety_wellbeing
    from cases
    inner join inspections on cases.inspection_id = inspections.inspection_id
)

select * from final
