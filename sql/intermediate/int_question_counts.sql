-- Every question of the inspection's framework, with its answer counts (zero when no
-- case of the inspection answered it). relevant = yes + no; na is not relevant.
with answers as (
    select * from stg_answers
),

inspections as (
    select * from int_inspections
),

questions as (
    select * from fw_questions
),

counts as (
    select
        inspection_id,
        question_id,
        count(*) filter (where answer = 'yes') as yes_cases,
        count(*) filter (where answer = 'no') as no_cases,
        count(*) filter (where answer = 'na') as na_cases
    from answers
    group by inspection_id, question_id
),

final as (
    select
        inspections.inspection_id,
        inspections.framework,
        questions.domain_id,
        questions.standard_id,
        questions.question_id,
        questions.parent_id,
        questions.level,
        questions.area,
        questions.headline,
        questions.question_order,
        coalesce(counts.yes_cases, 0) + coalesce(counts.no_cases, 0) as relevant_cases,
        coalesce(counts.yes_cases, 0) as yes_cases,
        coalesce(counts.no_cases, 0) as no_cases,
        coalesce(counts.na_cases, 0) as na_cases
    from inspections
    inner join questions on inspections.framework = questions.framework
    left join counts
        on inspections.inspection_id = counts.inspection_id and questions.question_id = counts.question_id
)

select * from final
