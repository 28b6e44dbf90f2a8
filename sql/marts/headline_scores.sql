-- A headline score pools every relevant key-question answer assigned to the headline in the
-- framework file (key_question_scores); its comment comes from the framework's comment bands,
-- applied to the score rounded to a whole per cent.
with scores as (
    select * from marts.key_question_scores
    where item_kind = 'headline'
),

inspections as (
    select * from int_inspections
),

headlines as (
    select * from fw_headlines
),

final as (
    select
        scores.inspection_id,
        scores.framework,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        scores.item_id as headline,
        headlines.headline_name,
        headlines.headline_order,
        scores.key_questions,
        scores.relevant_answers,
        scores.yes_answers,
        scores.pct_yes as pct,
        scores.pct_rounded,
        scores.comment
    from scores
    inner join inspections on scores.inspection_id = inspections.inspection_id
    inner join headlines on scores.framework = headlines.framework and scores.item_id = headlines.headline
)

select * from final
