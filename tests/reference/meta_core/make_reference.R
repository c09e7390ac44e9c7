# Reference numbers for the meta-core tests (measures, small k, sensitivity, Egger, GOSH).
# Run from the repository root:  Rscript tests/reference/meta_core/make_reference.R
# Writes tests/reference/meta_core/reference.json (R metafor; version recorded in the file).
suppressMessages({library(metafor); library(jsonlite)})
out <- list(metafor = as.character(packageVersion("metafor")), R = R.version.string)
num <- function(x) unname(as.numeric(x))

# Mean difference (escalc MD, vtype LS) and its REML / Knapp-Hartung (adhoc) pool: dat.normand1999
d <- dat.normand1999
md <- escalc("MD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, data=d)
r <- rma(yi, vi, data=md, method="REML", test="adhoc")
out$md <- list(data = d[, c("study", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")],
               yi = num(md$yi), vi = num(md$vi),
               estimate = num(r$beta), se = r$se, ci_lb = r$ci.lb, ci_ub = r$ci.ub, tau2 = r$tau2)

# k = 1: metafor switches to test = "z"; predict() gives PI = CI
r1 <- suppressWarnings(rma(0.5, 0.04, method="REML", test="adhoc"))
p1 <- predict(r1)
out$k1 <- list(yi = 0.5, vi = 0.04, estimate = num(p1$pred), ci_lb = num(p1$ci.lb),
               ci_ub = num(p1$ci.ub), pi_lb = num(p1$pi.lb), pi_ub = num(p1$pi.ub))

# k = 2 with the HTS (riley) interval: k - 2 = 0 df, metafor uses 1 df
r2 <- rma(c(0.5, 0.1), c(0.04, 0.05), method="REML", test="adhoc")
p2 <- predict(r2, pi.type="riley")
out$k2 <- list(yi = c(0.5, 0.1), vi = c(0.04, 0.05), estimate = num(p2$pred), ci_lb = num(p2$ci.lb),
               ci_ub = num(p2$ci.ub), pi_lb = num(p2$pi.lb), pi_ub = num(p2$pi.ub),
               pi_df = num(p2$pi.ddf), tau2 = r2$tau2)

# Estimator sensitivity on dat.bcg (log RR): REML, DL, PM, ML x (knha, z)
bcg <- escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
sens <- list()
for (m in c("REML", "DL", "PM", "ML")) for (t in c("knha", "z")) {
  f <- rma(yi, vi, data=bcg, method=m, test=t)
  sens[[length(sens) + 1]] <- list(method = m, test = t, estimate = num(f$beta), se = f$se,
    ci_lb = f$ci.lb, ci_ub = f$ci.ub, pval = f$pval, tau2 = f$tau2, I2 = f$I2)
}
out$bcg <- list(yi = num(bcg$yi), vi = num(bcg$vi), sensitivity = sens)

# Egger's regression test (classical, weighted lm on sei) on dat.bcg
eg <- regtest(rma(yi, vi, data=bcg, method="REML"), model="lm", predictor="sei")
out$egger <- list(stat = eg$zval, pval = eg$pval, df = eg$dfs)

# GOSH: all 2^k - 1 subsets of dat.bcg (k = 13) under FE and DL; a fixed sample of 600 subsets is
# stored (incl as a 0/1 string, study 1 first), with the count of subsets and the ranges of all
set.seed(20261130)
for (m in c("FE", "DL")) {
  g <- gosh(rma(yi, vi, data=bcg, method=m), progbar=FALSE)
  keep <- sort(sample(nrow(g$res), 600))
  incl <- apply(g$incl[keep, ], 1, function(r) paste(as.integer(r), collapse=""))
  out[[paste0("gosh_", m)]] <- list(n_subsets = nrow(g$res), incl = incl,
    estimate = num(g$res$estimate[keep]), I2 = num(g$res$I2[keep]), tau2 = num(g$res$tau2[keep]),
    Q = num(g$res$QE[keep]), H2 = num(g$res$H2[keep]),
    estimate_range = range(g$res$estimate), I2_range = range(g$res$I2, na.rm = TRUE))
}
# Single-arm proportions: Wilson score (prop.test without continuity correction) and
# Clopper-Pearson (binom.test) 95% intervals
x <- c(0, 1, 7, 12, 30); n <- c(10, 25, 20, 12, 41)
out$proportions <- list(xi = x, ni = n,
  wilson_lb = sapply(seq_along(x), function(i) prop.test(x[i], n[i], correct=FALSE)$conf.int[1]),
  wilson_ub = sapply(seq_along(x), function(i) prop.test(x[i], n[i], correct=FALSE)$conf.int[2]),
  cp_lb = sapply(seq_along(x), function(i) binom.test(x[i], n[i])$conf.int[1]),
  cp_ub = sapply(seq_along(x), function(i) binom.test(x[i], n[i])$conf.int[2]))

write_json(out, "tests/reference/meta_core/reference.json", digits = NA, auto_unbox = TRUE,
           pretty = FALSE, na = "null")
