-- Answer counts per group of cases, for the characteristics of the breakdowns. No case
-- reference: the counts are per inspection × question × group. One pass over the answers
-- (grouping sets, one per characteristic) rather than joining each answer to seven groups.
with answers as (
    select * from int_answers_enriched
),

inspections as (
    select * from int_inspections
),

questions as (
    select * from fw_questions
),

grouped as (
    select
        inspection_id,
        question_id,
        case
            when grouping(gender) = 0 then 'gender'
            when grouping(ethnicity) = 0 then 'ethnicity'
            when grouping(ethnic_group) = 0 then 'ethnic_group'
            when grouping(looked_after) = 0 then 'looked_after'
            when grouping(age_band) = 0 then 'age_band'
            when grouping(case_type) = 0 then 'case_type'
            when grouping(disposal) = 0 then 'disposal'
        end as characteristic,
        case
            when grouping(gender) = 0 then gender
            when grouping(ethnicity) = 0 then ethnicity
            when grouping(ethnic_group) = 0 then ethnic_group
            when grouping(looked_after) = 0 then looked_after
            when grouping(age_band) = 0 then age_band
            when grouping(case_type) = 0 then case_type
            when grouping(disposal) = 0 then disposal
        end as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by grouping sets (
        (inspection_id, question_id, gender),
        (inspection_id, question_id, ethnicity),
        (inspection_id, question_id, ethnic_group),
        (inspection_id, question_id, looked_after),
        (inspection_id, question_id, age_band),
        (inspection_id, question_id, case_type),
        (inspection_id, question_id, disposal)
    )
),

final as (
    select
        grouped.inspection_id,
        inspections.framework,
        inspections.fieldwork_end,
        questions.standard_id,
        grouped.question_id,
        questions.level,
        grouped.characteristic,
        grouped.group_value,
        grouped.relevant_cases,
        grouped.yes_cases
    from grouped
    inner join inspections on grouped.inspection_id = inspections.inspection_id
    inner join questions
        on inspections.framework = questions.framework and grouped.question_id = questions.question_id
)

select * from final
