# Review and quality-check models arrive with the review and quality issues.
