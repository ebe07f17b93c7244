"""The model-based test of issue 16 (tests/test_truth_model.py): a reference model written
from the product rules (reference.py) and the one adapter to the real bot (driver.py)."""
