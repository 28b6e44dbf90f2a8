-- Every inspection is in exactly one financial year (int_inspection_periods'
-- one_programme_and_one_year), so the programme's rows add up its years' rows instead of pooling
-- the inspections' rows a second time.
with results as (
    select * from marts.question_results
),

members as (
    select * from int_inspection_periods
),

periods as (
    select * from int_periods
),

questions as (
    select * from fw_questions
),

years as (
    select
        members.framework,
        members.period_kind,
        members.period_label,
        results.question_id,
        count(*) as inspections,
        cast(sum(results.relevant_cases) as bigint) as relevant_cases,
        cast(sum(results.yes_cases) as bigint) as yes_cases
    from results
    inner join members on results.inspection_id = members.inspection_id
    where members.period_kind = 'financial_year'
    group by all
),

programme as (
    select
        framework,
        'programme' as period_kind,
        'programme' as period_label,
        question_id,
        cast(sum(inspections) as bigint) as inspections,
        cast(sum(relevant_cases) as bigint) as relevant_cases,
        cast(sum(yes_cases) as bigint) as yes_cases
    from years
    group by all
),

pooled as (
    select
        counts.*,
        periods.period_start,
        periods.period_end
    from (
        select * from years
        union all
        select * from programme
    ) as counts
    inner join periods
        on
            counts.framework = periods.framework
            and counts.period_kind = periods.period_kind
            and counts.period_label = periods.period_label
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
        questions.question_id,
        questions.parent_id,
        questions.level,
        questions.area,
        questions.headline,
        questions.question_text,
        questions.question_order,
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
