select case when relevant_cases > 0 then 100.0 * yes_cases / relevant_cases end
