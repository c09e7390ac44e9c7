"""Figures drawn with plotnine: forest plots (and later funnel, PRISMA flow, durability)."""
