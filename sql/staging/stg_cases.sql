-- case_key is a surrogate numbered within the inspection; only staging and the
-- joins that need it read case_ref, and nothing derived from it is persisted.
with source as (
    select * from src_cases
),

renamed as (
    select
        inspection_id,
        case_ref,
        row_number() over (partition by inspection_id order by case_ref) as case_key,
        case_type,
        disposal,
        gender,
        ethnicity,
        looked_after,
        cast(age as integer) as age,
        rosh,
        safety_wellbeing
    from source
)

select * from renamed
