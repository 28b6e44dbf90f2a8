with run as (
    select * from run_context
),

inspections as (
    select * from int_inspections
),

counts as (
    select
        count(*) as inspections,
        coalesce(sum(cases), 0) as cases
    from inspections
),

answers as (
    select count(*) as answers from stg_answers
),

final as (
    select
        run.run_id,
        run.built_at,
        run.build_kind,
        run.inspections_rebuilt,
        run.code_fingerprint,
        version() as duckdb_version,
        counts.inspections,
        cast(counts.cases as bigint) as cases,
        answers.answers
    from run
    cross join counts
    cross join answers
)

select * from final
