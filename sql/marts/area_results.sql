-- Pooled over the key questions of each area: every relevant key-question answer counts once.
with counts as (
    select * from int_question_counts
    where level = 'key_question' and area is not null
),

inspections as (
    select * from int_inspections
),

areas as (
    select * from fw_areas
),

pooled as (
    select
        inspection_id,
        framework,
        area,
        count(*) as key_questions,
        cast(sum(relevant_cases) as bigint) as relevant_answers,
        cast(sum(yes_cases) as bigint) as yes_answers
    from counts
    group by inspection_id, framework, area
),

final as (
    select
        pooled.inspection_id,
        pooled.framework,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        pooled.area,
        areas.area_name,
        areas.area_order,
        pooled.key_questions,
        pooled.relevant_answers,
        pooled.yes_answers,
        marts.pct(pooled.yes_answers, pooled.relevant_answers) as pct_yes
    from pooled
    inner join inspections on pooled.inspection_id = inspections.inspection_id
    inner join areas on pooled.framework = areas.framework and pooled.area = areas.area
)

select * from final
