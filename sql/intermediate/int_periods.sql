-- Reporting periods by fieldwork: the programme to date, and each financial year.
-- An inspection belongs to a period when its fieldwork ended inside it.
with inspections as (
    select * from int_inspections
),

programme as (
    select
        framework,
        'programme' as period_kind,
        'programme' as period_label,
        min(fieldwork_start) as period_start,
        max(fieldwork_end) as period_end
    from inspections
    group by framework
),

financial_years as (
    select distinct
        framework,
        'financial_year' as period_kind,
        financial_year as period_label,
        financial_year_start as period_start,
        financial_year_end as period_end
    from inspections
),

final as (
    select * from programme
    union all
    select * from financial_years
)

select * from final
