# Time metafor gosh() on one dataset (called by bench/bench_gosh.py).
# Usage: Rscript bench/bench_gosh_metafor.R DATA.csv METHOD OUT.csv
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(metafor))
d <- read.csv(args[1])
fit <- rma(yi, vi, data = d, method = args[2])
seconds <- system.time(g <- gosh(fit, progbar = FALSE))[["elapsed"]]
incl <- apply(g$incl, 1, function(r) sum(as.integer(r) * 2^(seq_along(r) - 1)))
write.csv(data.frame(subset = incl, estimate = g$res$estimate, I2 = g$res$I2),
          args[3], row.names = FALSE)
cat(sprintf("%.6f\n", seconds))
