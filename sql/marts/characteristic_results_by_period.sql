with results as (
    select * from marts.inspection_characteristic_results
),

members as (
    select * from int_inspection_periods
),

questions as (
    select * from fw_questions
),

pooled as (
    select
        members.framework,
        members.period_kind,
        members.period_label,
        members.period_start,
        members.period_end,
        results.question_id,
        results.characteristic,
        results.group_value,
        -- one results row per inspection in each group (its grain), so this counts the inspections
        -- with cases of the group relevant to the question (not those whose cases all answered na)
        count(*) filter (where results.relevant_cases > 0) as inspections,
        cast(sum(results.relevant_cases) as bigint) as relevant_cases,
        cast(sum(results.yes_cases) as bigint) as yes_cases
    from results
    inner join members on results.inspection_id = members.inspection_id
    group by all
),

final as (
    select
        pooled.framework,
        pooled.period_kind,
        pooled.period_label,
        pooled.period_start,
        pooled.period_end,
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
    inner join questions
        on pooled.framework = questions.framework and pooled.question_id = questions.question_id
)

select * from final
