from helpers.checks import check_fraction, check_non_negative, check_positive_int  # noqa: F401  -- old home kept for older imports; use helpers.checks
