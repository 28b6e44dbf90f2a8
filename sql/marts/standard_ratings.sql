-- Rule rating (from the framework's rules) and final rating (after any ratings-panel
-- override) of every scored standard; scores come from the framework's bands.
with rule_ratings as (
    select * from int_standard_rule_ratings
),

inspections as (
    select * from int_inspections
),

overrides as (
    select * from stg_ratings
    where kind = 'override'
),

bands as (
    select * from fw_question_bands
),

rated as (
    select
        rule_ratings.*,
        overrides.rating as override_rating,
        overrides.reason as override_reason,
        coalesce(overrides.rating, rule_ratings.rule_rating) as final_rating
    from rule_ratings
    left join overrides
        on rule_ratings.inspection_id = overrides.inspection_id and rule_ratings.standard_id = overrides.standard_id
),

final as (
    select
        rated.inspection_id,
        rated.framework,
        inspections.provider,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        rated.domain_id,
        rated.standard_id,
        rated.standard_name,
        rated.standard_order,
        rated.rated_by,
        rated.lowest_question_id,
        rated.lowest_relevant_cases,
        rated.lowest_yes_cases,
        rated.lowest_pct,
        rated.rule_rating,
        rule_bands.score as rule_score,
        rated.judgement_reason,
        rated.override_rating,
        rated.override_reason,
        rated.final_rating,
        final_bands.score,
        rated.discretion_candidate,
        rated.discretion_reasons
    from rated
    inner join inspections on rated.inspection_id = inspections.inspection_id
    left join bands as rule_bands
        on rated.framework = rule_bands.framework and rated.rule_rating = rule_bands.rating
    left join bands as final_bands
        on rated.framework = final_bands.framework and rated.final_rating = final_bands.rating
)

select * from final
