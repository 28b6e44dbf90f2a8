-- Key-question answers of each inspection pooled over every standard and every headline (for
-- frameworks that assign key questions to headlines), with the framework's comment for the %
-- rounded to a whole per cent. standard_results and headline_scores are its two halves.
with counts as (
    select * from int_question_counts
    where level = 'key_question'
),

comment_bands as (
    select * from fw_comment_bands
),

items as (
    select
        inspection_id,
        framework,
        'standard' as item_kind,
        standard_id as item_id,
        relevant_cases,
        yes_cases
    from counts
    union all
    select
        inspection_id,
        framework,
        'headline' as item_kind,
        headline as item_id,
        relevant_cases,
        yes_cases
    from counts
    where headline is not null
),

pooled as (
    select
        inspection_id,
        framework,
        item_kind,
        item_id,
        count(*) as key_questions,
        cast(sum(relevant_cases) as bigint) as relevant_answers,
        cast(sum(yes_cases) as bigint) as yes_answers
    from items
    group by inspection_id, framework, item_kind, item_id
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
        scored.item_kind,
        scored.item_id,
        arg_max(comment_bands.comment, comment_bands.min_pct) as comment
    from scored
    inner join comment_bands
        on scored.framework = comment_bands.framework and scored.pct_rounded >= comment_bands.min_pct
    group by scored.inspection_id, scored.item_kind, scored.item_id
),

final as (
    select
        scored.inspection_id,
        scored.framework,
        scored.item_kind,
        scored.item_id,
        scored.key_questions,
        scored.relevant_answers,
        scored.yes_answers,
        scored.pct_yes,
        scored.pct_rounded,
        commented.comment
    from scored
    left join commented
        on
            scored.inspection_id = commented.inspection_id
            and scored.item_kind = commented.item_kind
            and scored.item_id = commented.item_id
)

select * from final
