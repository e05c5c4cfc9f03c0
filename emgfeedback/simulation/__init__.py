"""Physiological sEMG simulator with ground truth."""
