with counts as (
    select * from int_question_counts
),

inspections as (
    select * from int_inspections
),

questions as (
    select * from fw_questions
),

final as (
    select
        counts.inspection_id,
        counts.framework,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        counts.domain_id,
        counts.standard_id,
        counts.question_id,
        counts.parent_id,
        counts.level,
        counts.area,
        counts.headline,
        questions.question_text,
        counts.question_order,
        counts.relevant_cases,
        counts.yes_cases,
        counts.no_cases,
        counts.na_cases,
        marts.pct(counts.yes_cases, counts.relevant_cases) as pct_yes,
        marts.wilson_low(counts.yes_cases, counts.relevant_cases) as ci_low,
        marts.wilson_high(counts.yes_cases, counts.relevant_cases) as ci_high
    from counts
    inner join inspections on counts.inspection_id = inspections.inspection_id
    inner join questions
        on counts.framework = questions.framework and counts.question_id = questions.question_id
)

select * from final
