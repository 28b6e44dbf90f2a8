-- Inspections of known frameworks, with case counts and the financial year
-- (April to March) in which fieldwork ended.
with inspections as (
    select * from stg_inspections
),

cases as (
    select * from stg_cases
),

frameworks as (
    select * from fw_frameworks
),

case_counts as (
    select
        inspection_id,
        count(*) as cases,
        count(*) filter (where case_type = 'court') as court_cases,
        count(*) filter (where case_type = 'out_of_court') as out_of_court_cases
    from cases
    group by inspection_id
),

financial_years as (
    select
        inspection_id,
        year(fieldwork_end) - case when month(fieldwork_end) < 4 then 1 else 0 end as start_year
    from inspections
),

final as (
    select
        inspections.inspection_id,
        inspections.framework,
        inspections.provider,
        inspections.region,
        inspections.nation,
        inspections.fieldwork_start,
        inspections.fieldwork_end,
        inspections.published,
        printf('%d/%02d', financial_years.start_year, (financial_years.start_year + 1) % 100) as financial_year,
        make_date(financial_years.start_year, 4, 1) as financial_year_start,
        make_date(financial_years.start_year + 1, 3, 31) as financial_year_end,
        coalesce(case_counts.cases, 0) as cases,
        coalesce(case_counts.court_cases, 0) as court_cases,
        coalesce(case_counts.out_of_court_cases, 0) as out_of_court_cases,
        inspections.submission,
        inspections.content_hash
    from inspections
    inner join frameworks on inspections.framework = frameworks.framework
    inner join financial_years on inspections.inspection_id = financial_years.inspection_id
    left join case_counts on inspections.inspection_id = case_counts.inspection_id
)

select * from final
