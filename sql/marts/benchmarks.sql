-- The programme's rows of benchmarks_by_period, with its columns: issue 4's grain
-- (framework x item x inspection).
-- Its sidecar lists the columns, and the build checks the table against it.
with by_period as (
    select * from marts.benchmarks_by_period
),

final as (
    select * from by_period
    where period_kind = 'programme'
)

select * from final  -- noqa: AM04
