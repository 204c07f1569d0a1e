"""Clinical trials: import from ClinicalTrials.gov, storage, and search by condition, person and place."""
