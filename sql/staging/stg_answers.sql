with source as (
    select * from src_answers
),

renamed as (
    select
        inspection_id,
        case_ref,
        question_id,
        answer
    from source
)

select * from renamed
