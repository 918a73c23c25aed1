from helpers.checks import check_int  # noqa: F401  -- old home kept for older imports; use helpers.checks
