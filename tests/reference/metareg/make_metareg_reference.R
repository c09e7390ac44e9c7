# Reference results for meta-regression, three-level models, cluster-robust inference and
# predictions, computed with R metafor (the version is written into every case).
#
# Usage (from the repository root):
#   Rscript tests/reference/metareg/make_metareg_reference.R tests/reference/metareg
#
# Writes one folder per case, <out>/<case>/data.csv (input in metafor column names plus the
# moderator and cluster columns) and <out>/<case>/case.json ({name, spec, expected}), and
# <out>/designs.json: metafor rma.uni on the simulated designs of
# tests/fixtures/meta/metafor_small_sample.csv (PyMARE validation data) with QM, QE, I2 and R2.
#
# `spec$mods` is the list given to `trialsynth meta --mods` and is pasted with " + " into the
# metafor formula (the syntax is R's: `a:b`, `a*b`, `log(a)`). Text columns become factors with
# levels in sorted order (all data here are lower case, so the locale does not matter).
# Three-level models: rma.mv(yi, vi, mods, random = ~ 1 | <cluster>/row, method, test) with
# `row` = 1..k; robust cases add robust(model, cluster = <cluster>) (adjust = TRUE, CR1).
# Predictions: predict(model, newmods = X) with X from model.matrix(formula, newdata) (intercept
# column dropped), i.e. R builds the new design rows itself.
suppressMessages({library(metafor); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
source_tag <- paste0("R metafor ", packageVersion("metafor"), ", ", R.version.string)

mods_formula <- function(mods) {
  if (length(mods) == 0) return(~ 1)
  as.formula(paste("~", paste(mods, collapse = " + ")))
}

coef_block <- function(res) {
  nm <- rownames(res$beta)
  setNames(lapply(seq_along(nm), function(i) list(
    estimate = res$beta[i], se = res$se[i], ci_lb = res$ci.lb[i], ci_ub = res$ci.ub[i],
    pval = res$pval[i])), nm)
}

qm_df <- function(res) {
  df <- as.numeric(res$QMdf)
  I(df[!is.na(df)])
}

prediction_block <- function(res, d, mods, newdata) {
  if (is.null(newdata)) return(NULL)
  nd <- newdata
  for (col in names(nd)) if (is.character(d[[col]])) nd[[col]] <- factor(nd[[col]], levels = sort(unique(d[[col]])))
  x <- model.matrix(mods_formula(mods), data = nd)
  pr <- predict(res, newmods = x[, -1, drop = FALSE])
  list(newdata = newdata, pred = as.numeric(pr$pred), se = as.numeric(pr$se),
       ci_lb = as.numeric(pr$ci.lb), ci_ub = as.numeric(pr$ci.ub),
       pi_lb = as.numeric(pr$pi.lb), pi_ub = as.numeric(pr$pi.ub))
}

# Linear combinations of the coefficients: anova(model, X = L) for the test,
# predict(model, newmods = L[-1], intercept = FALSE) for the CI. `weights` is a list of named
# vectors (coefficient name -> weight; others 0).
contrast_block <- function(res, weights) {
  if (is.null(weights)) return(NULL)
  nm <- rownames(res$beta)
  L <- t(sapply(weights, function(w) { row <- setNames(rep(0, length(nm)), nm); row[names(w)] <- w; row }))
  a <- anova(res, X = L)
  pr <- predict(res, newmods = L[, -1, drop = FALSE], intercept = FALSE)
  list(weights = lapply(weights, as.list), estimate = as.numeric(a$Xb), se = as.numeric(a$se),
       stat = as.numeric(a$zval), pval = as.numeric(a$pval), ci_lb = as.numeric(pr$ci.lb),
       ci_ub = as.numeric(pr$ci.ub))
}

write_case <- function(name, d, spec, expected) {
  message(name)
  dir.create(file.path(out, name), recursive = TRUE, showWarnings = FALSE)
  write.csv(d, file.path(out, name, "data.csv"), row.names = FALSE)
  spec$source <- source_tag
  write(toJSON(list(name = name, spec = spec, expected = expected), auto_unbox = TRUE, digits = NA,
               pretty = TRUE, null = "null", na = "null"),
        file.path(out, name, "case.json"))
}

effect_sizes <- function(d, measure) {
  if (measure == "GEN") return(d)
  escalc(measure, ai = ai, bi = bi, ci = ci, di = di, data = d)
}

uni_case <- function(name, d, measure, mods, method, test, newdata = NULL, note = "", contrasts = NULL) {
  es <- effect_sizes(d, measure)
  res <- rma(yi, vi, mods = mods_formula(mods), data = es, method = method, test = test)
  expected <- list(
    k = res$k, coefficients = coef_block(res), QM = res$QM, QM_df = qm_df(res), QM_p = res$QMp,
    QE = res$QE, QE_df = res$k - res$p, QE_p = res$QEp, tau2 = res$tau2, I2 = res$I2,
    R2 = if (is.null(res$R2)) NA else res$R2, vcov = unname(res$vb),
    df = if (test == "z") NA else res$k - res$p, yi = as.numeric(es$yi), vi = as.numeric(es$vi),
    predictions = prediction_block(res, d, mods, newdata), contrasts = contrast_block(res, contrasts))
  spec <- list(model = "rma.uni", measure = measure, mods = I(mods), method = method, test = test,
               call = paste0("rma(yi, vi, mods = ", deparse(mods_formula(mods)), ", method = \"",
                             method, "\", test = \"", test, "\")"), note = note)
  write_case(name, d, spec, expected)
}

mv_case <- function(name, d, mods, method, test, cluster, robust = FALSE, newdata = NULL, note = "",
                    contrasts = NULL) {
  d$row <- seq_len(nrow(d))
  random <- as.formula(paste("~ 1 |", cluster, "/ row"))
  res <- rma.mv(yi, vi, mods = mods_formula(mods), random = random, data = d, method = method,
                test = test)
  call <- paste0("rma.mv(yi, vi, mods = ", deparse(mods_formula(mods)), ", random = ",
                 deparse(random), ", method = \"", method, "\", test = \"", test, "\")")
  fit <- res
  if (robust) {
    cl <- d[[cluster]]
    fit <- robust(res, cluster = cl)
    call <- paste0("robust(", call, ", cluster = ", cluster, ")")
  }
  expected <- list(
    k = res$k, sigma2 = as.numeric(res$sigma2), coefficients = coef_block(fit), QM = fit$QM,
    QM_df = qm_df(fit), QM_p = fit$QMp, QE = res$QE, QE_df = res$k - res$p, QE_p = res$QEp,
    vcov = unname(fit$vb), n_clusters = length(unique(d[[cluster]])),
    df = if (robust) fit$dfs else if (test == "t") res$k - res$p else NA,
    logLik = as.numeric(logLik(res)),
    predictions = prediction_block(fit, d, mods, newdata), contrasts = contrast_block(fit, contrasts))
  d$row <- NULL
  spec <- list(model = "rma.mv", measure = "GEN", mods = I(mods), method = method, test = test,
               cluster = cluster, robust = robust, call = call, note = note)
  write_case(name, d, spec, expected)
}

# --- rma.uni: BCG vaccine trials (numeric ablat and year, factor alloc) -----------------------
b <- dat.bcg
bcg <- data.frame(study = paste(b$author, b$year), ai = b$tpos, bi = b$tneg, ci = b$cpos,
                  di = b$cneg, ablat = b$ablat, year = b$year, alloc = as.character(b$alloc))
for (m in c("FE", "DL", "REML", "ML", "PM")) for (t in c("z", "knha", "adhoc")) {
  uni_case(paste("bcg_ablat_year_alloc", tolower(m), t, sep = "_"), bcg, "RR",
           c("ablat", "year", "alloc"), m, t, note = "dat.bcg, three moderators, one a factor")
}
bcg_new <- data.frame(ablat = c(10, 30, 50, 10, 30, 50, 30),
                      alloc = c("alternate", "alternate", "alternate", "random", "random", "random", "systematic"))
uni_case("bcg_ablat_x_alloc_reml_knha", bcg, "RR", c("ablat", "alloc", "ablat:alloc"), "REML", "knha",
         newdata = bcg_new, note = "numeric x factor interaction, predictions, slope per level",
         contrasts = list(random = c(ablat = 1, "ablat:allocrandom" = 1),
                          systematic = c(ablat = 1, "ablat:allocsystematic" = 1),
                          difference = c("ablat:allocrandom" = 1, "ablat:allocsystematic" = -1)))
uni_case("bcg_ablat_x_alloc_dl_z", bcg, "RR", c("ablat*alloc"), "DL", "z", newdata = bcg_new,
         note = "a*b shorthand")
uni_case("bcg_log_ablat_x_alloc_reml_z", bcg, "RR", c("log(ablat)*alloc"), "REML", "z",
         newdata = bcg_new, note = "log() term in an interaction")
uni_case("bcg_ablat_within_alloc_reml_z", bcg, "RR", c("alloc", "ablat:alloc"), "REML", "z",
         newdata = bcg_new, note = "one slope per level: ablat:alloc without the ablat main effect")
uni_case("bcg_ablat_ml_adhoc_predict", bcg, "RR", c("ablat"), "ML", "adhoc",
         newdata = data.frame(ablat = c(0, 20, 40, 60)), note = "predictions under adhoc")

# --- rma.uni: factor x factor (dat.bangertdrowns2004; grade and meta written as text) --------
bd <- dat.bangertdrowns2004
bd <- bd[!is.na(bd$meta) & !is.na(bd$length), ]
bdd <- data.frame(study = paste(bd$author, bd$year), yi = as.numeric(bd$yi), vi = as.numeric(bd$vi),
                  grade = paste0("g", bd$grade), meta = ifelse(bd$meta == 1, "yes", "no"),
                  length = bd$length)
uni_case("bangertdrowns2004_grade_x_meta_reml_knha", bdd, "GEN", c("grade*meta"), "REML", "knha",
         newdata = data.frame(grade = c("g1", "g2", "g4", "g4"), meta = c("no", "yes", "no", "yes")),
         note = "factor x factor interaction (writing-to-learn programmes; rows without 'meta' or 'length' dropped)")
uni_case("bangertdrowns2004_length_grade_fe_z", bdd, "GEN", c("length", "grade"), "FE", "z",
         note = "FE: R2 is the adjusted R2 of the weighted least squares fit")
uni_case("bangertdrowns2004_length_x_meta_he_adhoc", bdd, "GEN", c("length:meta", "length", "meta"), "HE", "adhoc",
         note = "interaction listed first: R orders main effects before interactions")

# --- rma.uni: one numeric moderator (dat.raudenbush1985) --------------------------------------
r <- dat.raudenbush1985
ra <- data.frame(study = paste0("S", r$study), yi = as.numeric(r$yi), vi = as.numeric(r$vi),
                 weeks = r$weeks)
uni_case("raudenbush1985_weeks_reml_z", ra, "GEN", c("weeks"), "REML", "z",
         newdata = data.frame(weeks = c(0, 1, 3)), note = "teacher expectancy, weeks of contact")
uni_case("raudenbush1985_weeks_pm_knha", ra, "GEN", c("weeks"), "PM", "knha")

# --- rma.mv: three-level models ---------------------------------------------------------------
k11 <- dat.konstantopoulos2011
kon <- data.frame(study = paste0("S", k11$study), yi = as.numeric(k11$yi), vi = as.numeric(k11$vi),
                  district = k11$district, year = k11$year)
mv_case("konstantopoulos2011_reml_z", kon, character(0), "REML", "z", "district",
        note = "schools within districts, intercept only")
mv_case("konstantopoulos2011_ml_z", kon, character(0), "ML", "z", "district")
mv_case("konstantopoulos2011_year_reml_t", kon, c("year"), "REML", "t", "district",
        newdata = data.frame(year = c(1980, 2000)))
mv_case("konstantopoulos2011_reml_robust", kon, character(0), "REML", "z", "district", robust = TRUE)
mv_case("konstantopoulos2011_year_ml_t_robust", kon, c("year"), "ML", "t", "district", robust = TRUE,
        newdata = data.frame(year = c(1980, 2000)))

# Between-cluster variance on its boundary (metafor's optimiser stops near 1e-10).
bcg_es <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg)
bcg_mv <- data.frame(study = bcg$study, yi = as.numeric(bcg_es$yi), vi = as.numeric(bcg_es$vi),
                     ablat = bcg$ablat, alloc = bcg$alloc)
mv_case("bcg_clustered_by_alloc_ablat_reml_z", bcg_mv, c("ablat"), "REML", "z", "alloc",
        newdata = data.frame(ablat = c(20, 50)), note = "sigma2 between clusters at 0")
mv_case("konstantopoulos2011_by_year_ml_t", kon, character(0), "ML", "t", "year",
        note = "schools clustered by year; sigma2 between clusters at 0")

as16 <- dat.assink2016
asd <- data.frame(study = paste0("S", as16$study, "_", as16$esid), yi = as16$yi, vi = as16$vi,
                  cluster = as16$study, year = as16$year, deltype = as16$deltype)
mv_case("assink2016_deltype_reml_z", asd, c("deltype"), "REML", "z", "cluster",
        note = "effects within studies, factor moderator")
mv_case("assink2016_year_deltype_reml_t_robust", asd, c("year", "deltype"), "REML", "t", "cluster",
        robust = TRUE, newdata = data.frame(year = c(-5, 5, -5, 5), deltype = c("covert", "general", "overt", "overt")))

# Decay-model shape: log(numeric) x factor, rows within clusters, cluster-robust, predictions.
cr <- dat.crede2010
cr <- escalc("ZCOR", ri = ri, ni = ni, data = cr)
crd <- data.frame(study = paste0("S", cr$studyid, "_", cr$sampleid, "_", cr$criterion),
                  yi = as.numeric(cr$yi), vi = as.numeric(cr$vi), studyid = cr$studyid,
                  ni = cr$ni, criterion = cr$criterion)
crede_new <- data.frame(ni = c(18, 180, 18, 180), criterion = c("gpa", "gpa", "grade", "grade"))
crede_slopes <- list(gpa = c("log(ni)" = 1), grade = c("log(ni)" = 1, "log(ni):criteriongrade" = 1))
mv_case("crede2010_log_ni_x_criterion_reml_t_robust", crd, c("log(ni)*criterion"), "REML", "t",
        "studyid", robust = TRUE, newdata = crede_new, contrasts = crede_slopes,
        note = "log(numeric) x factor, three-level, cluster-robust: the durability decay model's shape")
mv_case("crede2010_log_ni_x_criterion_ml_z", crd, c("log(ni)", "criterion", "log(ni):criterion"), "ML", "z",
        "studyid", newdata = crede_new, contrasts = crede_slopes)

# --- simulated designs (PyMARE validation data) with QM, QE, I2, R2 ----------------------------
sample <- read.csv("tests/fixtures/meta/metafor_small_sample.csv")
models <- list(intercept = character(0), one = c("mod1"), two = c("mod1", "mod2"))
designs <- list()
for (design in unique(sample$case)) for (model in names(models)) for (m in c("FE", "DL", "REML", "ML", "HE")) for (t in c("z", "knha", "adhoc")) {
  d <- sample[sample$case == design, ]
  res <- rma(y, v, mods = mods_formula(models[[model]]), data = d, method = m, test = t)
  designs[[length(designs) + 1]] <- list(
    design = design, model = model, mods = I(models[[model]]), method = m, test = t,
    coefficients = coef_block(res), tau2 = res$tau2, QM = res$QM, QM_df = qm_df(res),
    QM_p = res$QMp, QE = res$QE, QE_p = res$QEp, I2 = res$I2, R2 = if (is.null(res$R2)) NA else res$R2)
}
write(toJSON(list(source = source_tag, data = "tests/fixtures/meta/metafor_small_sample.csv",
                  call = "rma(y, v, mods = <model>, data = <design>, method = <method>, test = <test>)",
                  cases = designs), auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null", na = "null"),
      file.path(out, "designs.json"))
