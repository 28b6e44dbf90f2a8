select case when relevant_cases > 0 then (200 * yes_cases + relevant_cases) // (2 * relevant_cases) end
