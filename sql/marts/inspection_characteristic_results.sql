-- Answer counts per group of cases, for the characteristics of the breakdowns. No case
-- reference: the counts are per inspection × question × group. One plain GROUP BY per
-- characteristic, under UNION ALL. Written as GROUPING SETS (all seven in one aggregate) it ran
-- out of the build's 1 GB memory limit ("could not allocate block") in 6 of 24 builds on a fresh
-- store cache at scale 100; this form ran in 8 of 8 (and 8 of 8 without the import CTE), 0.4 s
-- slower, peak RSS 1.09 GB against 1.21 GB. NOT MATERIALIZED: each branch reads the answers
-- again rather than a 7-million-row copy (71 million at scale 1000). The branches read the
-- answers joined to their cases only; the inspection and the question, which only filter and
-- label, are joined to the grouped rows (the same rows as grouping int_answers_enriched, which
-- joins all four before grouping: 3.7 s against 4.1 s at scale 100).
with answers as not materialized (
    select
        answers.inspection_id,
        answers.question_id,
        answers.answer,
        cases.gender,
        cases.ethnicity,
        cases.ethnic_group,
        cases.looked_after,
        cases.age_band,
        cases.case_type,
        cases.disposal
    from stg_answers as answers
    inner join int_cases as cases
        on answers.inspection_id = cases.inspection_id and answers.case_ref = cases.case_ref
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
        'gender' as characteristic,
        gender as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by inspection_id, question_id, gender
    union all
    select
        inspection_id,
        question_id,
        'ethnicity' as characteristic,
        ethnicity as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by inspection_id, question_id, ethnicity
    union all
    select
        inspection_id,
        question_id,
        'ethnic_group' as characteristic,
        ethnic_group as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by inspection_id, question_id, ethnic_group
    union all
    select
        inspection_id,
        question_id,
        'looked_after' as characteristic,
        looked_after as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by inspection_id, question_id, looked_after
    union all
    select
        inspection_id,
        question_id,
        'age_band' as characteristic,
        age_band as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by inspection_id, question_id, age_band
    union all
    select
        inspection_id,
        question_id,
        'case_type' as characteristic,
        case_type as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by inspection_id, question_id, case_type
    union all
    select
        inspection_id,
        question_id,
        'disposal' as characteristic,
        disposal as group_value,
        count(*) filter (where answer in ('yes', 'no')) as relevant_cases,
        count(*) filter (where answer = 'yes') as yes_cases
    from answers
    group by inspection_id, question_id, disposal
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
