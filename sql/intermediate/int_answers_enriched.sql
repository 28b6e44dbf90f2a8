-- Every answer with its case's characteristics, its inspection and its place in
-- the framework. The contract other modules read (gaps, briefing): see docs/marts.md.
with answers as (
    select * from stg_answers
),

cases as (
    select * from int_cases
),

inspections as (
    select * from int_inspections
),

questions as (
    select * from fw_questions
),

final as (
    select
        inspections.inspection_id,
        inspections.framework,
        inspections.provider,
        inspections.region,
        inspections.nation,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        cases.case_key,
        cases.case_type,
        cases.disposal,
        cases.gender,
        cases.ethnicity,
        cases.ethnic_group,
        cases.looked_after,
        cases.age,
        cases.age_band,
        cases.rosh,
        cases.safety_wellbeing,
        questions.domain_id,
        questions.standard_id,
        questions.area,
        questions.headline,
        questions.question_id,
        questions.parent_id,
        questions.level,
        answers.answer
    from answers
    inner join cases
        on answers.inspection_id = cases.inspection_id and answers.case_ref = cases.case_ref
    inner join inspections on answers.inspection_id = inspections.inspection_id
    inner join questions
        on inspections.framework = questions.framework and answers.question_id = questions.question_id
)

select * from final
