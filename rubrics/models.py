# Rubric models arrive with the rubrics issue.
