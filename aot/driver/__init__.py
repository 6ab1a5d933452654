"""The compile driver and what runs on its result: compile, kernel choice, reports, tuning, runs."""
