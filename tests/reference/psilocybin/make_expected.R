# metafor reference for the second example review (examples/psilocybin-depression): the pooled
# SMD of the Metapsy psilocybin dataset, selected here in R straight from the dataset (not from
# the workflow's tables), with the protocol's settings (REML, Knapp-Hartung with the ad hoc
# guard, HTS/Riley prediction interval).
# Selection: primary instrument at the primary time point, endpoint means (msd, or imsd when
# only imputed endpoint means exist), one comparison per study (in a multi-arm study the
# highest dose against the arm never listed first); studies with an NCT registration only.
# Usage (from the repository root):
#   Rscript tests/reference/psilocybin/make_expected.R \
#     ../shared/data/meta_datasets/metapsy_data-depression-psiloctr/data.csv \
#     > tests/reference/psilocybin/expected.json
suppressMessages({library(metafor); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], sep = ";", dec = ",", stringsAsFactors = FALSE)
d <- d[d$primary_instrument == 1 & d$primary_timepoint == 1 & d$outcome_type %in% c("msd", "imsd"), ]
d <- d[order(d$study), ]
rows <- do.call(rbind, lapply(split(d, d$study), function(s) {
  first <- unique(na.omit(s$multi_arm1))
  s <- s[!(s$multi_arm2 %in% first), ]
  s[1, ]
}))
rows <- rows[startsWith(rows$registration_number, "NCT"), ]
res <- rma(measure = "SMD", m1i = mean_arm1, sd1i = sd_arm1, n1i = n_arm1,
           m2i = mean_arm2, sd2i = sd_arm2, n2i = n_arm2, data = rows,
           method = "REML", test = "adhoc")
p <- predict(res, pi.type = "riley")
out <- list(
  studies = sort(rows$study),
  k = res$k, estimate = as.numeric(res$b), se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
  pi_lb = p$pi.lb, pi_ub = p$pi.ub, tau2 = res$tau2, I2 = res$I2, Q = res$QE,
  source = paste("R metafor", packageVersion("metafor")))
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
