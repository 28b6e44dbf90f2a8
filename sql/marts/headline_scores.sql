-- A headline score pools every relevant key-question answer assigned to the headline in the
-- framework file; its comment comes from the framework's comment bands, applied to the score
-- rounded to a whole per cent.
with counts as (
    select * from int_question_counts
    where level = 'key_question' and headline is not null
),

inspections as (
    select * from int_inspections
),

headlines as (
    select * from fw_headlines
),

comment_bands as (
    select * from fw_comment_bands
),

pooled as (
    select
        inspection_id,
        framework,
        headline,
        count(*) as key_questions,
        cast(sum(relevant_cases) as bigint) as relevant_answers,
        cast(sum(yes_cases) as bigint) as yes_answers
    from counts
    group by inspection_id, framework, headline
),

scored as (
    select
        pooled.*,
        marts.pct(pooled.yes_answers, pooled.relevant_answers) as pct,
        marts.pct_rounded(pooled.yes_answers, pooled.relevant_answers) as pct_rounded
    from pooled
),

commented as (
    select
        scored.inspection_id,
        scored.headline,
        arg_max(comment_bands.comment, comment_bands.min_pct) as comment
    from scored
    inner join comment_bands
        on scored.framework = comment_bands.framework and scored.pct_rounded >= comment_bands.min_pct
    group by scored.inspection_id, scored.headline
),

final as (
    select
        scored.inspection_id,
        scored.framework,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        scored.headline,
        headlines.headline_name,
        headlines.headline_order,
        scored.key_questions,
        scored.relevant_answers,
        scored.yes_answers,
        scored.pct,
        scored.pct_rounded,
        commented.comment
    from scored
    inner join inspections on scored.inspection_id = inspections.inspection_id
    inner join headlines on scored.framework = headlines.framework and scored.headline = headlines.headline
    left join commented on scored.inspection_id = commented.inspection_id and scored.headline = commented.headline
)

select * from final
