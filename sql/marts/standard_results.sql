-- Pooled over the key questions of each standard; for frameworks with comment bands (cci-2009)
-- the criterion's comment follows from the % rounded to a whole per cent.
with counts as (
    select * from int_question_counts
    where level = 'key_question'
),

inspections as (
    select * from int_inspections
),

standards as (
    select * from fw_standards
),

comment_bands as (
    select * from fw_comment_bands
),

pooled as (
    select
        inspection_id,
        framework,
        standard_id,
        count(*) as key_questions,
        cast(sum(relevant_cases) as bigint) as relevant_answers,
        cast(sum(yes_cases) as bigint) as yes_answers
    from counts
    group by inspection_id, framework, standard_id
),

scored as (
    select
        pooled.*,
        marts.pct(pooled.yes_answers, pooled.relevant_answers) as pct_yes,
        marts.pct_rounded(pooled.yes_answers, pooled.relevant_answers) as pct_rounded
    from pooled
),

commented as (
    select
        scored.inspection_id,
        scored.standard_id,
        arg_max(comment_bands.comment, comment_bands.min_pct) as comment
    from scored
    inner join comment_bands
        on scored.framework = comment_bands.framework and scored.pct_rounded >= comment_bands.min_pct
    group by scored.inspection_id, scored.standard_id
),

final as (
    select
        scored.inspection_id,
        scored.framework,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        standards.domain_id,
        scored.standard_id,
        standards.standard_name,
        standards.standard_order,
        scored.key_questions,
        scored.relevant_answers,
        scored.yes_answers,
        scored.pct_yes,
        scored.pct_rounded,
        commented.comment
    from scored
    inner join inspections on scored.inspection_id = inspections.inspection_id
    inner join standards on scored.framework = standards.framework and scored.standard_id = standards.standard_id
    left join commented
        on scored.inspection_id = commented.inspection_id and scored.standard_id = commented.standard_id
)

select * from final
