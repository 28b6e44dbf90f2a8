-- The programme's rows of case_characteristics_by_period, with its columns: issue 4's grain
-- (framework x characteristic x group).
-- Its sidecar lists the columns, and the build checks the table against it.
with by_period as (
    select * from marts.case_characteristics_by_period
),

final as (
    select * from by_period
    where period_kind = 'programme'
)

select * from final  -- noqa: AM04
