-- Answer counts per group of cases, for the characteristics of the breakdowns. No case
-- reference: the counts are per inspection × question × group.
with answers as (
    select * from int_answers_enriched
),

groups as (
    select * from int_case_groups
    where characteristic in (
        'gender', 'ethnicity', 'ethnic_group', 'looked_after', 'age_band', 'case_type', 'disposal'
    )
),

final as (
    select
        answers.inspection_id,
        answers.framework,
        answers.fieldwork_end,
        answers.standard_id,
        answers.question_id,
        answers.level,
        groups.characteristic,
        groups.group_value,
        count(*) filter (where answers.answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answers.answer = 'yes') as yes_cases
    from answers
    inner join groups
        on answers.inspection_id = groups.inspection_id and answers.case_key = groups.case_key
    group by all
)

select * from final
