-- The rating band of each key question of a rule-rated standard, and what one case
-- answered differently would do to it. Bands compare exact fractions:
-- yes / relevant reaches an edge when yes * 100 >= min_pct * relevant.
with counts as (
    select * from int_question_counts
),

standards as (
    select * from fw_standards
),

bands as (
    select * from fw_question_bands
),

discretion as (
    select * from fw_discretion
),

key_questions as (
    select
        counts.inspection_id,
        counts.framework,
        counts.standard_id,
        counts.question_id,
        counts.question_order,
        counts.relevant_cases,
        counts.yes_cases
    from counts
    inner join standards
        on counts.framework = standards.framework and counts.standard_id = standards.standard_id
    where
        counts.level = 'key_question'
        and counts.relevant_cases > 0
        and standards.scored
        and standards.rated_by = 'key_questions'
),

banded as (
    select
        key_questions.inspection_id,
        key_questions.framework,
        key_questions.standard_id,
        key_questions.question_id,
        key_questions.question_order,
        key_questions.relevant_cases,
        key_questions.yes_cases,
        max(bands.band_order) filter (
            where key_questions.yes_cases * 100 >= bands.min_pct * key_questions.relevant_cases
        ) as band_order,
        max(bands.band_order) filter (
            where
            key_questions.yes_cases < key_questions.relevant_cases
            and (key_questions.yes_cases + 1) * 100 >= bands.min_pct * key_questions.relevant_cases
        ) as band_order_one_more_yes,
        max(bands.band_order) filter (
            where
            key_questions.yes_cases > 0
            and (key_questions.yes_cases - 1) * 100 >= bands.min_pct * key_questions.relevant_cases
        ) as band_order_one_fewer_yes,
        -- the nearest band edge (other than 0) within the discretion window, if any
        arg_min(
            bands.min_pct,
            abs(key_questions.yes_cases * 100 - bands.min_pct * key_questions.relevant_cases)
        ) filter (
            where
            bands.band_order > 0
            and abs(key_questions.yes_cases * 100 - bands.min_pct * key_questions.relevant_cases)
            <= discretion.window_pp * key_questions.relevant_cases
        ) as edge_within_window
    from key_questions
    inner join bands on key_questions.framework = bands.framework
    left join discretion on key_questions.framework = discretion.framework
    group by all
),

final as (
    select
        banded.inspection_id,
        banded.framework,
        banded.standard_id,
        banded.question_id,
        banded.question_order,
        banded.relevant_cases,
        banded.yes_cases,
        100.0 * banded.yes_cases / banded.relevant_cases as pct_yes,
        banded.band_order,
        bands.rating,
        banded.band_order_one_more_yes,
        banded.band_order_one_fewer_yes,
        banded.edge_within_window
    from banded
    inner join bands on banded.framework = bands.framework and banded.band_order = bands.band_order
)

select * from final
