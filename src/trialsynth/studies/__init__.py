"""Studies: links between registry and publication records, studies, eligibility screening and PRISMA counts."""
