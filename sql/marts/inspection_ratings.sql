-- The overall score adds the scores of every scored standard; it and the overall rating are
-- given only when every scored standard is rated, never estimated: the final (published) score
-- when every standard has a final rating (complete), the rule score when every standard has a rule
-- rating. A panel's override can rate a standard that no case made rateable by the rule.
with standard_ratings as (
    select * from marts.standard_ratings
),

inspections as (
    select * from int_inspections
),

frameworks as (
    select * from fw_frameworks
),

overall_bands as (
    select * from fw_overall_bands
),

totals as (
    select
        inspection_id,
        count(*) as standards,
        count(rule_rating) as rule_rated,
        count(final_rating) as final_rated,
        cast(sum(rule_score) as integer) as rule_total,
        cast(sum(score) as integer) as final_total
    from standard_ratings
    group by inspection_id
),

scored as (
    select
        inspections.inspection_id,
        inspections.framework,
        inspections.provider,
        inspections.region,
        inspections.nation,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.financial_year,
        inspections.cases,
        totals.standards,
        totals.final_rated as standards_rated,
        totals.final_rated = totals.standards as complete,
        totals.rule_rated = totals.standards as rule_complete,
        frameworks.max_score,
        case when totals.rule_rated = totals.standards then totals.rule_total end as rule_score,
        case when totals.final_rated = totals.standards then totals.final_total end as final_score
    from inspections
    inner join frameworks on inspections.framework = frameworks.framework
    inner join totals on inspections.inspection_id = totals.inspection_id
    where frameworks.rated
),

final as (
    select
        scored.inspection_id,
        scored.provider,
        scored.framework,
        scored.region,
        scored.nation,
        scored.fieldwork_start,
        scored.fieldwork_end,
        scored.financial_year,
        scored.cases,
        scored.standards,
        scored.standards_rated,
        case when scored.rule_complete then scored.rule_score end as rule_score,
        case when scored.complete then scored.final_score end as final_score,
        scored.max_score,
        rule_bands.rating as rule_rating,
        final_bands.rating as final_rating,
        scored.complete
    from scored
    left join overall_bands as rule_bands
        on
            scored.framework = rule_bands.framework
            and scored.rule_complete
            and scored.rule_score between rule_bands.min_score and rule_bands.max_score
    left join overall_bands as final_bands
        on
            scored.framework = final_bands.framework
            and scored.complete
            and scored.final_score between final_bands.min_score and final_bands.max_score
)

select * from final
