with bounds as (
    select
        cast(date_from as date) as period_start,
        cast(date_to as date) as period_end
),

results as (
    select * from marts.inspection_characteristic_results
    where fieldwork_end between (select bounds.period_start from bounds) and (select bounds.period_end from bounds)
),

questions as (
    select * from marts.questions
),

pooled as (
    select
        framework,
        question_id,
        characteristic,
        group_value,
        -- one results row per inspection in each group (its grain), so this counts the inspections
        -- with cases of the group relevant to the question (not those whose cases all answered na)
        count(*) filter (where relevant_cases > 0) as inspections,
        cast(sum(relevant_cases) as bigint) as relevant_cases,
        cast(sum(yes_cases) as bigint) as yes_cases
    from results
    group by all
),

final as (
    select
        pooled.framework,
        'between' as period_kind,
        cast(bounds.period_start as varchar) || ' to ' || cast(bounds.period_end as varchar) as period_label,
        bounds.period_start,
        bounds.period_end,
        questions.domain_id,
        questions.standard_id,
        pooled.question_id,
        questions.parent_id,
        questions.level,
        questions.area,
        questions.question_order,
        pooled.characteristic,
        pooled.group_value,
        pooled.inspections,
        pooled.relevant_cases,
        pooled.yes_cases,
        marts.pct(pooled.yes_cases, pooled.relevant_cases) as pct_yes,
        marts.wilson_low(pooled.yes_cases, pooled.relevant_cases) as ci_low,
        marts.wilson_high(pooled.yes_cases, pooled.relevant_cases) as ci_high
    from pooled
    cross join bounds
    inner join questions
        on pooled.framework = questions.framework and pooled.question_id = questions.question_id
)

select * from final
