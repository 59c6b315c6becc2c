"""The historical record, scores against it, calibration, theory checks and their report."""
