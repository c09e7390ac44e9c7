"""Meta-analysis engine: effect sizes, tau^2 estimators, tests, intervals, subgroups, meta-regression, sensitivity."""
