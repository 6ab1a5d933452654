"""Seeded fuzzing of `microaot inspect` + `microaot compile` (tests/fuzz/harness.py): byte mutants
of every bundled model and semantic nonsense built with the test builders. Each must succeed or
fail with one clear error (exit 2): no internal error, no hang, no crash.
The long run is scripts/fuzz.py (docs/fuzzing.md)."""


from tests.fuzz.harness import bundled_models, run_cases, suite_case

SEED = 15
CASES = 4 * 4 * len(bundled_models())  # every bundled model's bytes mutated 4 times; 3x as many semantic


def test_no_uncaught_exception_hang_or_crash():
    report = run_cases(SEED, list(range(CASES)), jobs=2, timeout=20.0, maker=suite_case)
    counts = report.counts()
    assert len(report.results) == CASES
    assert counts["success"] > 0 and counts["clean"] > 0  # the mutants reach both ends
    problems = {cls: f"{cls}: {len(cases)} cases, e.g. case {cases[0]['index']} ({cases[0]['name']}): {cases[0]['message']}"
                for cls, cases in report.classes().items()}
    assert not problems, f"seed {SEED} (rebuild a case: harness.suite_case({SEED}, index)):\n" + "\n".join(problems.values())
