select
    case
        -- exact at the edge (the closed form leaves a rounding error there)
        when relevant_cases > 0 and yes_cases = relevant_cases then 100.0
        when relevant_cases > 0
            then 100.0 * (
                yes_cases / relevant_cases
                + power(1.959963984540054, 2) / (2 * relevant_cases)
                + 1.959963984540054 * sqrt(
                    (yes_cases / relevant_cases) * (1 - yes_cases / relevant_cases) / relevant_cases
                    + power(1.959963984540054, 2) / (4 * power(relevant_cases, 2))
                )
            ) / (1 + power(1.959963984540054, 2) / relevant_cases)
    end
