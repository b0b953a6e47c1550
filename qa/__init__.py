"""QA scoring: scorecards, detectors, the scorer and its models (issue #4)."""
