-- The measures inspections are benchmarked on, one value per inspection: key-question %,
-- area %, standard % (pooled over its key questions), standard score, overall score, headline %.
with key_questions as (
    select * from marts.question_results
    where level = 'key_question'
),

areas as (
    select * from marts.area_results
),

standard_results as (
    select * from marts.standard_results
),

standard_ratings as (
    select * from marts.standard_ratings
),

inspection_ratings as (
    select * from marts.inspection_ratings
),

headlines as (
    select * from marts.headline_scores
),

inspections as (
    select * from int_inspections
),

items as (
    select
        inspection_id,
        'key_question' as item_kind,
        question_id as item_id,
        question_text as item_label,
        question_order as item_order,
        pct_yes as value,
        relevant_cases as base
    from key_questions
    union all
    select
        inspection_id,
        'area' as item_kind,
        area as item_id,
        area_name as item_label,
        area_order as item_order,
        pct_yes as value,
        relevant_answers as base
    from areas
    union all
    select
        inspection_id,
        'standard_pct' as item_kind,
        standard_id as item_id,
        standard_name as item_label,
        standard_order as item_order,
        pct_yes as value,
        relevant_answers as base
    from standard_results
    union all
    select
        inspection_id,
        'standard_score' as item_kind,
        standard_id as item_id,
        standard_name as item_label,
        standard_order as item_order,
        score as value,
        null as base
    from standard_ratings
    union all
    select
        inspection_id,
        'overall_score' as item_kind,
        'overall' as item_id,
        'Overall score' as item_label,
        0 as item_order,
        final_score as value,
        null as base
    from inspection_ratings
    union all
    select
        inspection_id,
        'headline' as item_kind,
        headline as item_id,
        headline_name as item_label,
        headline_order as item_order,
        pct as value,
        relevant_answers as base
    from headlines
),

final as (
    select
        inspections.framework,
        items.item_kind,
        items.item_id,
        items.item_label,
        items.item_order,
        items.inspection_id,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        cast(items.value as double) as value,
        cast(items.base as bigint) as base
    from items
    inner join inspections on items.inspection_id = inspections.inspection_id
)

select * from final
