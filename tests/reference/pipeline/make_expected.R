# metafor reference for the shipped review's pooled analyses (the tables the workflow builds
# from the shipped snapshot: data/processed/analyses/<id>.csv, copied here).
# Usage (from this folder): Rscript make_expected.R > expected.json
suppressMessages({library(metafor); library(jsonlite)})
fit <- function(id, measure) {
  d <- read.csv(paste0(id, ".csv"))
  res <- if (measure == "SMD") {
    rma(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
        data = d, method = "REML", test = "adhoc")
  } else {
    rma(measure = measure, ai = ai, bi = bi, ci = ci, di = di, data = d, method = "REML", test = "adhoc")
  }
  p <- predict(res, pi.type = "riley"); ci <- confint(res)
  list(k = res$k, estimate = as.numeric(res$b), se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
       pi_lb = p$pi.lb, pi_ub = p$pi.ub, tau2 = res$tau2, tau2_ci_ub = ci$random["tau^2", "ci.ub"],
       I2 = res$I2, Q = res$QE, source = paste("R metafor", packageVersion("metafor")))
}
out <- list(response_day28 = fit("response_day28", "RR"), remission_day28 = fit("remission_day28", "RR"),
            madrs_change_day28 = fit("madrs_change_day28", "SMD"))
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
