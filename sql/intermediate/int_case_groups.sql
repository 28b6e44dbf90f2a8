with cases as (
    select * from int_cases
),

characteristics as (
    select
        inspection_id,
        framework,
        case_key,
        case_type,
        disposal,
        gender,
        ethnicity,
        ethnic_group,
        looked_after,
        age_band,
        rosh,
        safety_wellbeing
    from cases
),

unpivoted as (
    select
        inspection_id,
        framework,
        case_key,
        characteristic,
        group_value
    from characteristics
    unpivot include nulls (
        group_value for characteristic in (
            case_type, disposal, gender, ethnicity, ethnic_group, looked_after, age_band, rosh, safety_wellbeing
        )
    )
),

final as (
    select
        inspection_id,
        framework,
        case_key,
        characteristic,
        group_value
    from unpivoted
)

select * from final
