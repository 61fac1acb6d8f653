"""The published marts: the promise to BI users (CONTRACT §5)."""

PUBLISHED_MARTS = (
    "dim_province",
    "dim_indicator",
    "fct_indicator_value",
    "province_scorecard",
    "province_scorecard_current",
    "national_scorecard",
    "task_completion",
    "submission_status",
    "quality_issues",
    "reporting_rates",
    "quality_history",
)

PUBLISHED_SCHEMA = "marts"
