-- The rule rating of every scored standard of every inspection (Annexe 1 of seed 003):
-- a standard rated by key questions takes the band of its lowest key question; a judged
-- standard takes the inspectors' judgement. Then the professional-discretion test: the
-- lowest key question within the window of a band edge, one case answered differently
-- changing the standard's rating, or the lowest key question resting on few cases (of key
-- questions tied at the lowest fraction, the one with the fewest cases: which of them is named
-- lowest is only framework order, so it must not decide whether the standard is a candidate).
with inspections as (
    select * from int_inspections
),

standards as (
    select * from fw_standards
),

key_questions as (
    select * from int_key_question_bands
),

bands as (
    select * from fw_question_bands
),

discretion as (
    select * from fw_discretion
),

judgements as (
    select * from stg_ratings
    where kind = 'judgement'
),

scored as (
    select
        inspections.inspection_id,
        inspections.framework,
        standards.domain_id,
        standards.standard_id,
        standards.standard_name,
        standards.rated_by,
        standards.standard_order
    from inspections
    inner join standards on inspections.framework = standards.framework
    where standards.scored
),

lowest as (
    select
        inspection_id,
        standard_id,
        min(band_order) as band_order,
        arg_min(question_id, (yes_cases / relevant_cases, question_order)) as lowest_question_id
    from key_questions
    group by inspection_id, standard_id
),

lowest_detail as (
    select
        lowest.inspection_id,
        lowest.standard_id,
        lowest.band_order,
        key_questions.question_id as lowest_question_id,
        key_questions.relevant_cases as lowest_relevant_cases,
        key_questions.yes_cases as lowest_yes_cases,
        key_questions.pct_yes as lowest_pct,
        key_questions.edge_within_window
    from lowest
    inner join key_questions
        on
            lowest.inspection_id = key_questions.inspection_id
            and lowest.lowest_question_id = key_questions.question_id
),

-- Of the key questions tied at the standard's lowest fraction (compared exactly), the one
-- resting on the fewest cases.
smallest_lowest as (
    select
        lowest_detail.inspection_id,
        lowest_detail.standard_id,
        arg_min(
            key_questions.question_id, (key_questions.relevant_cases, key_questions.question_order)
        ) as question_id,
        min(key_questions.relevant_cases) as relevant_cases
    from lowest_detail
    inner join key_questions
        on
            lowest_detail.inspection_id = key_questions.inspection_id
            and lowest_detail.standard_id = key_questions.standard_id
            and key_questions.yes_cases * lowest_detail.lowest_relevant_cases
            = lowest_detail.lowest_yes_cases * key_questions.relevant_cases
    group by lowest_detail.inspection_id, lowest_detail.standard_id
),

-- For each key question: the standard's band if one of its cases were answered the other
-- way (the other key questions unchanged).
others as (
    select
        this.inspection_id,
        this.question_id,
        min(other.band_order) as other_band_order
    from key_questions as this
    left join key_questions as other
        on
            this.inspection_id = other.inspection_id
            and this.standard_id = other.standard_id
            and this.question_id <> other.question_id
    group by this.inspection_id, this.question_id
),

one_case as (
    select
        key_questions.inspection_id,
        key_questions.standard_id,
        key_questions.question_id,
        key_questions.question_order,
        key_questions.relevant_cases,
        key_questions.yes_cases,
        least(key_questions.band_order_one_more_yes, others.other_band_order) as band_if_one_more_yes,
        least(key_questions.band_order_one_fewer_yes, others.other_band_order) as band_if_one_fewer_yes
    from key_questions
    inner join others
        on key_questions.inspection_id = others.inspection_id and key_questions.question_id = others.question_id
),

flagged as (
    select
        one_case.inspection_id,
        one_case.standard_id,
        one_case.question_id,
        one_case.question_order,
        one_case.relevant_cases,
        one_case.yes_cases,
        one_case.band_if_one_more_yes,
        one_case.band_if_one_fewer_yes,
        one_case.yes_cases < one_case.relevant_cases
        and one_case.band_if_one_more_yes <> lowest.band_order as up_changes_rating,
        one_case.yes_cases > 0
        and one_case.band_if_one_fewer_yes <> lowest.band_order as down_changes_rating
    from one_case
    inner join lowest
        on one_case.inspection_id = lowest.inspection_id and one_case.standard_id = lowest.standard_id
),

changed as (
    select
        inspection_id,
        standard_id,
        question_id,
        question_order,
        relevant_cases,
        case when up_changes_rating then yes_cases + 1 else yes_cases - 1 end as changed_yes_cases,
        case when up_changes_rating then band_if_one_more_yes else band_if_one_fewer_yes end as changed_band_order
    from flagged
    where up_changes_rating or down_changes_rating
),

changes as (
    select
        changed.inspection_id,
        changed.standard_id,
        string_agg(
            printf(
                '%s at %d of %d would give %s',
                changed.question_id,
                changed.changed_yes_cases,
                changed.relevant_cases,
                replace(bands.rating, '_', ' ')
            ),
            ', '
            order by changed.question_order
        ) as description
    from changed
    inner join inspections on changed.inspection_id = inspections.inspection_id
    inner join bands
        on inspections.framework = bands.framework and changed.changed_band_order = bands.band_order
    group by changed.inspection_id, changed.standard_id
),

reasons as (
    select
        scored.inspection_id,
        scored.standard_id,
        case
            when lowest_detail.edge_within_window is not null
                then printf(
                    'lowest key question %s at %.1f%% (%d of %d) is within %s points of the %s%% boundary',
                    lowest_detail.lowest_question_id,
                    lowest_detail.lowest_pct,
                    lowest_detail.lowest_yes_cases,
                    lowest_detail.lowest_relevant_cases,
                    rtrim(rtrim(cast(discretion.window_pp as varchar), '0'), '.'),
                    rtrim(rtrim(cast(lowest_detail.edge_within_window as varchar), '0'), '.')
                )
        end as window_reason,
        case
            when discretion.one_case_changes_rating and changes.description is not null
                then 'one case answered differently would change the rating (' || changes.description || ')'
        end as one_case_reason,
        case
            when smallest_lowest.relevant_cases > discretion.max_cases then null
            when smallest_lowest.question_id = lowest_detail.lowest_question_id
                then printf(
                    'lowest key question %s rests on %d case(s), %d or fewer',
                    smallest_lowest.question_id,
                    smallest_lowest.relevant_cases,
                    discretion.max_cases
                )
            else printf(
                'key question %s, tied lowest at %.1f%%, rests on %d case(s), %d or fewer',
                smallest_lowest.question_id,
                lowest_detail.lowest_pct,
                smallest_lowest.relevant_cases,
                discretion.max_cases
            )
        end as sample_reason
    from scored
    inner join lowest_detail
        on scored.inspection_id = lowest_detail.inspection_id and scored.standard_id = lowest_detail.standard_id
    inner join smallest_lowest
        on scored.inspection_id = smallest_lowest.inspection_id and scored.standard_id = smallest_lowest.standard_id
    inner join discretion on scored.framework = discretion.framework
    left join changes
        on scored.inspection_id = changes.inspection_id and scored.standard_id = changes.standard_id
    where scored.rated_by = 'key_questions'
),

final as (
    select
        scored.inspection_id,
        scored.framework,
        scored.domain_id,
        scored.standard_id,
        scored.standard_name,
        scored.rated_by,
        scored.standard_order,
        lowest_detail.lowest_question_id,
        lowest_detail.lowest_relevant_cases,
        lowest_detail.lowest_yes_cases,
        lowest_detail.lowest_pct,
        case
            when scored.rated_by = 'judgement' then judgements.rating
            else bands.rating
        end as rule_rating,
        judgements.reason as judgement_reason,
        coalesce(
            reasons.window_reason is not null
            or reasons.one_case_reason is not null
            or reasons.sample_reason is not null,
            false
        ) as discretion_candidate,
        nullif(concat_ws('; ', reasons.window_reason, reasons.one_case_reason, reasons.sample_reason), '')
            as discretion_reasons
    from scored
    left join lowest_detail
        on scored.inspection_id = lowest_detail.inspection_id and scored.standard_id = lowest_detail.standard_id
    left join bands
        on scored.framework = bands.framework and lowest_detail.band_order = bands.band_order
    left join judgements
        on scored.inspection_id = judgements.inspection_id and scored.standard_id = judgements.standard_id
    left join reasons
        on scored.inspection_id = reasons.inspection_id and scored.standard_id = reasons.standard_id
)

select * from final
