with questions as (
    select * from fw_questions
),

standards as (
    select * from fw_standards
),

areas as (
    select * from fw_areas
),

headlines as (
    select * from fw_headlines
),

final as (
    select
        questions.framework,
        questions.domain_id,
        standards.domain_name,
        questions.standard_id,
        standards.standard_name,
        questions.question_id,
        questions.parent_id,
        questions.level,
        questions.question_text,
        questions.area,
        areas.area_name,
        questions.headline,
        headlines.headline_name,
        questions.na_allowed,
        questions.question_order
    from questions
    inner join standards
        on questions.framework = standards.framework and questions.standard_id = standards.standard_id
    left join areas on questions.framework = areas.framework and questions.area = areas.area
    left join headlines on questions.framework = headlines.framework and questions.headline = headlines.headline
)

select * from final
