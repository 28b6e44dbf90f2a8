-- Pooled over the key questions of each standard (key_question_scores); for frameworks with
-- comment bands (cci-2009) the criterion's comment follows from the % rounded to a whole per cent.
with scores as (
    select * from marts.key_question_scores
    where item_kind = 'standard'
),

inspections as (
    select * from int_inspections
),

standards as (
    select * from fw_standards
),

final as (
    select
        scores.inspection_id,
        scores.framework,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        standards.domain_id,
        scores.item_id as standard_id,
        standards.standard_name,
        standards.standard_order,
        scores.key_questions,
        scores.relevant_answers,
        scores.yes_answers,
        scores.pct_yes,
        scores.pct_rounded,
        scores.comment
    from scores
    inner join inspections on scores.inspection_id = inspections.inspection_id
    inner join standards on scores.framework = standards.framework and scores.item_id = standards.standard_id
)

select * from final
