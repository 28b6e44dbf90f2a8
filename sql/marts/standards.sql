with standards as (
    select * from fw_standards
),

frameworks as (
    select * from fw_frameworks
),

questions as (
    select * from fw_questions
),

key_question_counts as (
    select
        framework,
        standard_id,
        count(*) filter (where level = 'key_question') as key_questions,
        count(*) filter (where level = 'prompt') as prompts
    from questions
    group by framework, standard_id
),

final as (
    select
        standards.framework,
        frameworks.framework_name,
        standards.domain_id,
        standards.domain_name,
        standards.standard_id,
        standards.standard_name,
        standards.rated_by,
        standards.scored,
        array_to_string(standards.case_types, ', ') as case_types,
        coalesce(key_question_counts.key_questions, 0) as key_questions,
        coalesce(key_question_counts.prompts, 0) as prompts,
        standards.standard_order
    from standards
    inner join frameworks on standards.framework = frameworks.framework
    left join key_question_counts
        on
            standards.framework = key_question_counts.framework
            and standards.standard_id = key_question_counts.standard_id
)

select * from final
