# metafor reference for the durability analyses of the shipped review (the tables the workflow
# builds: data/processed/analyses/<id>.csv, copied here) and for the decay model.
# Usage (from this folder): Rscript make_expected.R > expected.json
suppressMessages({library(metafor); library(jsonlite)})
coefs <- function(fit) {
  out <- list()
  for (name in rownames(fit$b)) {
    i <- which(rownames(fit$b) == name)
    out[[name]] <- list(estimate = fit$b[i], se = fit$se[i], ci_lb = fit$ci.lb[i],
                        ci_ub = fit$ci.ub[i], pval = fit$pval[i])
  }
  out
}
# Decay rows: logit proportion still benefiting (escalc PLO with 0.5 added to zero cells).
d <- read.csv("durability_decay.csv", stringsAsFactors = FALSE)
d$row <- seq_len(nrow(d))
m <- rma.mv(yi, vi, mods = ~ log(horizon_days) + psychotherapy + log(horizon_days):psychotherapy,
            random = ~ 1 | study_id/row, data = d, method = "REML", test = "t")
r <- robust(m, cluster = d$study_id)
nd <- read.csv("predict.csv", stringsAsFactors = FALSE)
X <- cbind(log(nd$horizon_days), as.numeric(nd$psychotherapy == "yes"),
           log(nd$horizon_days) * as.numeric(nd$psychotherapy == "yes"))
p <- predict(r, newmods = X, transf = transf.ilogit)
decay <- list(k = m$k, sigma2 = m$sigma2, coefficients = coefs(r), QM = r$QM, QM_p = r$QMp,
              predictions = lapply(seq_len(nrow(nd)), function(i) list(
                horizon_days = nd$horizon_days[i], psychotherapy = nd$psychotherapy[i],
                pred = p$pred[i], ci_lb = p$ci.lb[i], ci_ub = p$ci.ub[i])))
# Windows: PLO per modality (subgroups) with the test for modality differences.
window <- function(id) {
  w <- read.csv(paste0(id, ".csv"), stringsAsFactors = FALSE)
  es <- escalc(measure = "PLO", xi = xi, ni = ni, data = w)
  groups <- list()
  for (g in sort(unique(w$psychotherapy))) {
    s <- es[es$psychotherapy == g, ]
    f <- rma(yi, vi, data = s, method = "REML", test = if (nrow(s) > 1) "adhoc" else "z")
    groups[[g]] <- list(k = f$k, estimate = as.numeric(f$b), ci_lb = f$ci.lb, ci_ub = f$ci.ub)
  }
  all <- rma(yi, vi, data = es, method = "REML", test = "adhoc")
  list(k = all$k, estimate = as.numeric(all$b), ci_lb = all$ci.lb, ci_ub = all$ci.ub,
       yi = as.numeric(es$yi), vi = as.numeric(es$vi), subgroups = groups)
}
out <- list(durability_decay = decay, durability_4_35d = window("durability_4_35d"),
            durability_6m_plus = window("durability_6m_plus"),
            escalc_decay = {
              e <- escalc(measure = "PLO", xi = c(5, 3), ni = c(5, 7))
              list(xi = c(5, 3), ni = c(5, 7), yi = as.numeric(e$yi), vi = as.numeric(e$vi))
            },
            source = paste("R metafor", packageVersion("metafor")))
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
