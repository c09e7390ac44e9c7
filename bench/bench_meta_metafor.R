# Times metafor rma(method = "REML") + confint() over every dataset of a long CSV (dataset, yi, vi)
# written by bench/bench_meta.py, and writes the per-dataset results for the comparison.
# Usage: Rscript bench/bench_meta_metafor.R <datasets.csv> <results.csv>
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
sets <- split(d, d$dataset)
out <- data.frame(dataset = integer(0), estimate = numeric(0), tau2 = numeric(0),
                  tau2_ci_lb = numeric(0), tau2_ci_ub = numeric(0))
elapsed <- system.time({
  rows <- lapply(sets, function(s) {
    # same fallbacks as the engine (trialsynth.meta.tau2.FISHER_FALLBACKS): smaller Fisher scoring
    # steps when full steps oscillate, more iterations when tau^2 creeps towards 0
    r <- NULL
    for (ctl in list(list(stepadj = 1, maxiter = 100), list(stepadj = 0.5, maxiter = 100),
                     list(stepadj = 0.25, maxiter = 100), list(stepadj = 1, maxiter = 1000),
                     list(stepadj = 0.5, maxiter = 1000))) {
      r <- tryCatch(rma(s$yi, s$vi, method = "REML", control = ctl), error = function(e) NULL)
      if (!is.null(r)) break
    }
    ci <- confint(r)
    c(s$dataset[1], as.numeric(r$b), r$tau2, ci$random["tau^2", "ci.lb"], ci$random["tau^2", "ci.ub"])
  })
})[["elapsed"]]
out <- as.data.frame(do.call(rbind, rows))
names(out) <- c("dataset", "estimate", "tau2", "tau2_ci_lb", "tau2_ci_ub")
write.csv(out, args[2], row.names = FALSE)
cat(sprintf("%.6f\n", elapsed))
